// An admin resets someone's password: a temporary one, shown once, which its owner must replace
// at their next sign-in. Every session of theirs ends at once.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ZResetPassword, type TStaffUser } from "@radha/core/security/schema";
import { useTRPC } from "../../lib/trpc";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { Field, fieldErrors } from "../../ui/field";
import { CopyButton } from "../tokens/copy-button";

export function ResetPasswordDialog({ user, onClose }: { user: TStaffUser; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string>();
  const reset = useMutation(
    trpc.users.resetPassword.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.users.list.infiniteQueryKey() }),
    }),
  );

  function submit(e: React.SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const parsed = ZResetPassword.safeParse({ userId: user.id, reason });
    if (!parsed.success) {
      setError(fieldErrors(parsed.error.issues).reason ?? parsed.error.issues[0]?.message);
      return;
    }
    setError(undefined);
    reset.mutate(parsed.data);
  }

  if (reset.data)
    return (
      <Dialog open title={`Temporary password for ${user.name}`} onClose={onClose}>
        <div className="form">
          <p>
            Give this to <strong>{user.email}</strong> through a safe channel. It is shown only now; they must
            choose a new password when they sign in with it.
          </p>
          <p>
            <code className="mono" data-testid="temporary-password">
              {reset.data.temporaryPassword}
            </code>
          </p>
          <div className="form-actions">
            <CopyButton text={reset.data.temporaryPassword} />
            <Button onClick={onClose} variant="primary">
              Done
            </Button>
          </div>
        </div>
      </Dialog>
    );

  return (
    <Dialog open title={`Reset the password of ${user.name}?`} onClose={onClose}>
      <form onSubmit={submit} noValidate className="form">
        <p>
          <strong>{user.email}</strong> is signed out everywhere and gets a temporary password to replace at
          their next sign-in.
        </p>
        <Field label="Reason" hint="Required. Recorded in the audit log." error={error}>
          {(p) => (
            <textarea {...p} rows={2} autoFocus value={reason} onChange={(e) => setReason(e.target.value)} />
          )}
        </Field>
        {reset.isError ? <ErrorBanner error={reset.error} /> : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="danger" busy={reset.isPending}>
            Reset password
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
