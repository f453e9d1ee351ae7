// The password and authenticator fields the sign-in page and the Account page share: one
// spelling of the labels, autocomplete hints, the password policy hint and the TOTP key display.
import { Field } from "../../ui/field";

const PASSWORD_POLICY_HINT =
  "At least 12 characters, not a common password: a few unrelated words work well.";

interface TextFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  name?: string;
}

/** A password input; `kind` picks the autocomplete hint (and the policy hint for a new one; not again on its repeat). */
export function PasswordField({ kind, ...props }: TextFieldProps & { kind: "current" | "new" | "repeat" }) {
  return (
    <Field
      label={props.label}
      error={props.error}
      {...(kind === "new" ? { hint: PASSWORD_POLICY_HINT } : {})}
    >
      {(p) => (
        <input
          {...p}
          type="password"
          {...(props.name ? { name: props.name } : {})}
          autoComplete={kind === "current" ? "current-password" : "new-password"}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

/** The 6-digit code from an authenticator app. */
export function TotpCodeField(props: TextFieldProps) {
  return (
    <Field label={props.label} error={props.error}>
      {(p) => (
        <input
          {...p}
          inputMode="numeric"
          autoComplete="one-time-code"
          {...(props.name ? { name: props.name } : {})}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

/** A new authenticator key, shown once while enrolling (and a link for the phone, when given). */
export function TotpKey({
  secret,
  otpauthUrl,
  testId,
}: {
  secret: string;
  otpauthUrl?: string | undefined;
  testId?: string;
}) {
  return (
    <>
      <p>Add this key to your authenticator app, then enter the code it shows:</p>
      <p>
        <code className="mono" {...(testId ? { "data-testid": testId } : {})}>
          {secret}
        </code>
      </p>
      {otpauthUrl ? (
        <p className="muted small">
          Or open <a href={otpauthUrl}>this link</a> on the phone with the app.
        </p>
      ) : null}
    </>
  );
}
