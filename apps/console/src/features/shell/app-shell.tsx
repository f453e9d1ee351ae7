// Header with product, user and sign-out; side navigation limited to what the role may use.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { NavLink } from "react-router";
import { endSession } from "../../lib/session";
import { useTRPC } from "../../lib/trpc";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { navItemsFor } from "./nav";

export function AppShell({ children }: { children: React.ReactNode }) {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const queryClient = useQueryClient();
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      // Whatever the server says, this browser is done with the session.
      onSettled: () => {
        endSession("logout");
        queryClient.clear();
      },
    }),
  );

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">RadhaGsareees Ops</span>
        <div className="topbar-user">
          <span className="user-name" data-testid="current-user">
            {user.name} <span className="muted">({user.email})</span>
          </span>
          <span className="role-badge" data-testid="current-role">
            {user.role}
          </span>
          <NavLink to="/account" className="btn btn-sm">
            Account
          </NavLink>
          <Button size="sm" onClick={() => logout.mutate()} busy={logout.isPending}>
            {logout.isPending ? "Signing out…" : "Sign out"}
          </Button>
        </div>
      </header>
      <nav className="sidenav" aria-label="Main">
        <ul>
          {navItemsFor(user.role).map((item) => (
            <li key={item.path}>
              <NavLink to={item.path} end>
                {item.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
