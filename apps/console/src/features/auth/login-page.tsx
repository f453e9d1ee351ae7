import { useMutation } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import type { TLoginInput } from "@radha/core/security/schema";
import { startSession } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { useSession } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { Field, fieldErrors } from "../../ui/field";
import { Loading } from "../../ui/states";
import { safeNextPath } from "../shell/nav";
import { PasswordField, TotpCodeField, TotpKey } from "./credential-fields";
import { signInStepOf, type SignInStep } from "./sign-in-step";

const NOTICE = {
  logout: "You have signed out.",
  expired: "Your session has ended; sign in again.",
  password: "Your password was changed and every session ended. Sign in with the new password.",
  none: null,
} as const;

/**
 * The form's validator, loaded with the sign-in form rather than with the entry chunk: it brings
 * zod, which a restored session's first page (the System page) does not need.
 */
const loginSchema = () => import("@radha/core/security/schema").then((m) => m.ZLoginInput);

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
  useEffect(() => void loginSchema(), []);
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
    const input: TLoginInput = {
      email: email.trim(),
      password,
      ...(newPassword ? { newPassword } : {}),
      ...(totpCode.trim() ? { totpCode: totpCode.trim() } : {}),
    };
    loginSchema().then(
      (schema) => {
        const parsed = schema.safeParse(input);
        if (!parsed.success) {
          setErrors(fieldErrors(parsed.error.issues));
          return;
        }
        setErrors({});
        login.mutate(parsed.data);
      },
      // The validator's chunk did not load: the server checks the same schema and says what is wrong.
      () => login.mutate(input),
    );
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
        <PasswordField
          kind="current"
          label="Password"
          name="password"
          error={errors.password}
          value={password}
          onChange={setPassword}
        />
        {step?.step === "PASSWORD_CHANGE_REQUIRED" || newPassword ? (
          <PasswordField
            kind="new"
            label="New password"
            name="new-password"
            error={errors.newPassword}
            value={newPassword}
            onChange={setNewPassword}
          />
        ) : null}
        {step?.totpSecret ? (
          <div className="notice" data-testid="totp-enrolment">
            <TotpKey secret={step.totpSecret} otpauthUrl={step.otpauthUrl} />
          </div>
        ) : null}
        {step?.step === "TOTP_REQUIRED" || step?.step === "TOTP_ENROLMENT_REQUIRED" ? (
          <TotpCodeField
            label="Authenticator code"
            name="totp"
            error={errors.totpCode}
            value={totpCode}
            onChange={setTotpCode}
          />
        ) : null}
        <Button type="submit" variant="primary" busy={login.isPending} className="btn-block">
          {login.isPending ? "Signing in…" : "Sign in"}
        </Button>
      </form>
    </main>
  );
}
