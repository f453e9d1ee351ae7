// Guards the signed-in part of the app: waits for the silent restore, then shows the shell or login.
import { Navigate, Outlet, useLocation } from "react-router";
import { roleAtLeast, type TStaffRole } from "@radha/core/security/roles";
import { CurrentUserContext, useCurrentUser, useSession } from "../../lib/use-session";
import { Loading } from "../../ui/states";
import { AppShell } from "../shell/app-shell";

export function RequireAuth() {
  const session = useSession();
  const location = useLocation();
  if (session.status === "restoring") {
    return (
      <div className="center-page">
        <Loading label="Restoring your session…" />
      </div>
    );
  }
  if (session.status === "signed-out") {
    const here = location.pathname + location.search;
    const to =
      session.reason === "logout" || here === "/" ? "/login" : `/login?next=${encodeURIComponent(here)}`;
    return <Navigate to={to} replace />;
  }
  return (
    <CurrentUserContext.Provider value={session.user}>
      <AppShell>
        <Outlet />
      </AppShell>
    </CurrentUserContext.Provider>
  );
}

export function RequireRole({ min, children }: { min: TStaffRole; children: React.ReactNode }) {
  const user = useCurrentUser();
  if (roleAtLeast(user.role, min)) return children;
  return (
    <section className="panel" aria-labelledby="forbidden-title">
      <h1 id="forbidden-title">Not available for your role</h1>
      <p>
        This page needs the <strong>{min}</strong> role or higher; you are signed in as{" "}
        <strong>{user.role}</strong>. Ask an admin if you need access.
      </p>
    </section>
  );
}
