// A confirmation that asks why: every security action is audited with the reason typed here.
import { useState } from "react";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { Field } from "../../ui/field";

export function ReasonDialog({
  title,
  children,
  confirmLabel,
  danger,
  busy,
  error,
  confirmText,
  onConfirm,
  onClose,
}: {
  title: string;
  children: React.ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy: boolean;
  error: unknown;
  /** When set, the person must type this (e.g. the key id) to confirm. */
  confirmText?: string;
  onConfirm: (reason: string) => void;
  onClose: () => void;
}) {
  const [reason, setReason] = useState("");
  const [typed, setTyped] = useState("");
  const [reasonError, setReasonError] = useState<string>();
  const typedOk = !confirmText || typed.trim() === confirmText;
  return (
    <Dialog open title={title} onClose={onClose}>
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (reason.trim().length < 3) {
            setReasonError("Give a reason (at least 3 characters); it goes into the audit log");
            return;
          }
          setReasonError(undefined);
          if (typedOk) onConfirm(reason.trim());
        }}
      >
        {children}
        <Field label="Reason" hint="Recorded in the audit log with your name." error={reasonError}>
          {(p) => <input {...p} autoFocus value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        {confirmText ? (
          <Field label={`Type ${confirmText} to confirm`}>
            {(p) => (
              <input {...p} className="mono" value={typed} onChange={(e) => setTyped(e.target.value)} />
            )}
          </Field>
        ) : null}
        {error ? <ErrorBanner error={error} /> : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant={danger ? "danger" : "primary"} busy={busy} disabled={!typedOk}>
            {confirmLabel}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
