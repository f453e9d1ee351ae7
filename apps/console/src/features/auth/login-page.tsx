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

const NOTICE = {
  logout: "You have signed out.",
  expired: "Your session has ended; sign in again.",
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
  const [errors, setErrors] = useState<Record<string, string>>({});
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: (tokens) => {
        startSession(tokens);
        void navigate(next, { replace: true });
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
    const parsed = ZLoginInput.safeParse({ email: email.trim(), password });
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
        <Button type="submit" variant="primary" busy={login.isPending} className="btn-block">
          {login.isPending ? "Signing in…" : "Sign in"}
        </Button>
      </form>
    </main>
  );
}
