// Your own account: change your password (every session ends, this one too) and, for admins,
// add an authenticator app (TOTP) as a second factor.
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { roleAtLeast, ZChangePassword, ZTotpCode } from "@radha/core/security/schema";
import { endSession } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { fieldErrors } from "../../ui/field";
import { PageHeader } from "../../ui/page-header";
import { PasswordField, TotpCodeField, TotpKey } from "../auth/credential-fields";

export function AccountPage() {
  const user = useCurrentUser();
  return (
    <>
      <PageHeader title="Your account" description={`${user.name} (${user.email}), ${user.role}`} />
      <ChangePasswordForm />
      {roleAtLeast(user.role, "ADMIN") ? <TotpEnrolment /> : null}
    </>
  );
}

function ChangePasswordForm() {
  const trpc = useTRPC();
  const [form, setForm] = useState({ currentPassword: "", newPassword: "", repeat: "" });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({ onSuccess: () => endSession("password") }),
  );

  function submit(e: React.SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const parsed = ZChangePassword.safeParse({
      currentPassword: form.currentPassword,
      newPassword: form.newPassword,
    });
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error.issues));
      return;
    }
    if (form.repeat !== form.newPassword) {
      setErrors({ repeat: "The two new passwords differ" });
      return;
    }
    setErrors({});
    change.mutate(parsed.data);
  }

  return (
    <section className="panel section" aria-labelledby="change-password-title">
      <h2 id="change-password-title">Change password</h2>
      <p className="muted small">Every session of yours ends, this one included: you sign in again.</p>
      <form onSubmit={submit} noValidate className="form">
        <PasswordField
          kind="current"
          label="Current password"
          error={errors.currentPassword}
          value={form.currentPassword}
          onChange={(v) => setForm({ ...form, currentPassword: v })}
        />
        <PasswordField
          kind="new"
          label="New password"
          error={errors.newPassword}
          value={form.newPassword}
          onChange={(v) => setForm({ ...form, newPassword: v })}
        />
        <PasswordField
          kind="repeat"
          label="New password again"
          error={errors.repeat}
          value={form.repeat}
          onChange={(v) => setForm({ ...form, repeat: v })}
        />
        {change.isError ? <ErrorBanner error={change.error} /> : null}
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={change.isPending}>
            Change password
          </Button>
        </div>
      </form>
    </section>
  );
}

function TotpEnrolment() {
  const trpc = useTRPC();
  const [code, setCode] = useState("");
  const [error, setError] = useState<string>();
  const begin = useMutation(trpc.auth.totpBegin.mutationOptions());
  const confirm = useMutation(trpc.auth.totpConfirm.mutationOptions());

  function submit(e: React.SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const parsed = ZTotpCode.safeParse({ code });
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message);
      return;
    }
    setError(undefined);
    confirm.mutate(parsed.data);
  }

  return (
    <section className="panel section" aria-labelledby="totp-title">
      <h2 id="totp-title">Authenticator app (second factor)</h2>
      <p className="muted small">
        Once added, signing in as an admin also asks for the 6-digit code your app shows.
      </p>
      {confirm.isSuccess ? (
        <p className="banner banner-pass banner-compact" role="status">
          Authenticator app added: your next sign-in asks for its code.
        </p>
      ) : begin.data ? (
        <form onSubmit={submit} noValidate className="form">
          <TotpKey secret={begin.data.secret} otpauthUrl={begin.data.otpauthUrl} testId="totp-secret" />
          <TotpCodeField label="Code" error={error} value={code} onChange={setCode} />
          {confirm.isError ? <ErrorBanner error={confirm.error} /> : null}
          <div className="form-actions">
            <Button type="submit" variant="primary" busy={confirm.isPending}>
              Confirm code
            </Button>
          </div>
        </form>
      ) : (
        <>
          {begin.isError ? <ErrorBanner error={begin.error} /> : null}
          <Button onClick={() => begin.mutate()} busy={begin.isPending}>
            Add an authenticator app
          </Button>
        </>
      )}
    </section>
  );
}
