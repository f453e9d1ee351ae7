import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { ZLoginInput } from "@radha/core/security/schema";
import { startSession } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { useSession } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { Field, fieldErrors } from "../../ui/field";
import { Loading } from "../../ui/states";
import { safeNextPath } from "../shell/nav";
import { signInStepOf, type SignInStep } from "./sign-in-step";

const NOTICE = {
  logout: "You have signed out.",
  expired: "Your session has ended; sign in again.",
  password: "Your password was changed and every session ended. Sign in with the new password.",
  none: null,
} as const;

export function LoginPage() {
  const trpc = useTRPC();
  const session = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNextPath(params.get("next"));
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [totpCode, setTotpCode] = useState("");
  const [step, setStep] = useState<SignInStep | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: (tokens) => {
        startSession(tokens);
        void navigate(next, { replace: true });
      },
      onError: (err) => {
        const asked = signInStepOf(err);
        // Keep an enrolment key on screen while the person retries a mistyped code.
        if (asked) setStep((prev) => (asked.totpSecret || !prev ? asked : { ...prev, step: asked.step }));
      },
    }),
  );

  if (session.status === "restoring") {
    return (
      <div className="center-page">
        <Loading label="Checking for an existing session…" />
      </div>
    );
  }
  if (session.status === "signed-in" && !login.isPending) return <Navigate to={next} replace />;

  const notice = session.status === "signed-out" ? NOTICE[session.reason] : null;

  function submit(e: React.SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const parsed = ZLoginInput.safeParse({
      email: email.trim(),
      password,
      ...(newPassword ? { newPassword } : {}),
      ...(totpCode.trim() ? { totpCode: totpCode.trim() } : {}),
    });
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error.issues));
      return;
    }
    setErrors({});
    login.mutate(parsed.data);
  }

  return (
    <main className="login-page">
      <form className="login-card" onSubmit={submit} noValidate aria-labelledby="login-title">
        <p className="brand brand-lg">RadhaGsareees Ops</p>
        <h1 id="login-title">Sign in</h1>
        <p className="muted">Staff accounts only.</p>
        {notice && !login.isError ? (
          <p className="notice" role="status">
            {notice}
          </p>
        ) : null}
        {login.isError ? <ErrorBanner error={login.error} /> : null}
        <Field label="Email" error={errors.email}>
          {(p) => (
            <input
              {...p}
              type="email"
              name="email"
              autoComplete="username"
              autoFocus
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        <Field label="Password" error={errors.password}>
          {(p) => (
            <input
              {...p}
              type="password"
              name="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        {step?.step === "PASSWORD_CHANGE_REQUIRED" || newPassword ? (
          <Field
            label="New password"
            hint="At least 12 characters, not a common password: a few unrelated words work well."
            error={errors.newPassword}
          >
            {(p) => (
              <input
                {...p}
                type="password"
                name="new-password"
                autoComplete="new-password"
                value={newPassword}
                onChange={(e) => setNewPassword(e.target.value)}
              />
            )}
          </Field>
        ) : null}
        {step?.totpSecret ? (
          <div className="notice" data-testid="totp-enrolment">
            <p>Add this key to your authenticator app, then enter the code it shows:</p>
            <p>
              <code className="mono">{step.totpSecret}</code>
            </p>
            {step.otpauthUrl ? (
              <p className="muted small">
                Or open <a href={step.otpauthUrl}>this link</a> on the phone with the app.
              </p>
            ) : null}
          </div>
        ) : null}
        {step?.step === "TOTP_REQUIRED" || step?.step === "TOTP_ENROLMENT_REQUIRED" ? (
          <Field label="Authenticator code" error={errors.totpCode}>
            {(p) => (
              <input
                {...p}
                inputMode="numeric"
                autoComplete="one-time-code"
                name="totp"
                value={totpCode}
                onChange={(e) => setTotpCode(e.target.value)}
              />
            )}
          </Field>
        ) : null}
        <Button type="submit" variant="primary" busy={login.isPending} className="btn-block">
          {login.isPending ? "Signing in…" : "Sign in"}
        </Button>
      </form>
    </main>
  );
}
