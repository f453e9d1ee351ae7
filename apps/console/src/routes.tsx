import type { QueryClient } from "@tanstack/react-query";
import { createElement, lazy, Suspense, type ComponentType } from "react";
import { createBrowserRouter, Navigate } from "react-router";
import { LoginPage } from "./features/auth/login-page";
import { RequireAuth, RequireRole } from "./features/auth/require-auth";
import { minRoleFor } from "./features/shell/nav";
import { prefetchSystemPage } from "./features/system/system-queries";
import type { ConsoleTRPC } from "./lib/trpc";
import { getSession, restoreSession } from "./lib/session";
import { Loading } from "./ui/states";

type LazyPage = ComponentType & { preload(): Promise<ComponentType> };

/**
 * A route's page as its own chunk (the initial download is the shell, the sign-in page and the
 * libraries they use). `preload` starts the download; rendering the page starts it too if no
 * route loader has (the shell stays up meanwhile). A page whose chunk is already in renders
 * directly: suspending anyway would show the fallback and let React hold the page back for its
 * fallback throttle (300 ms).
 */
function page(load: () => Promise<ComponentType>): LazyPage {
  let loading: Promise<ComponentType> | undefined;
  let loaded: ComponentType | undefined;
  const preload = () => (loading ??= load().then((c) => (loaded = c)));
  const Lazy = lazy(async () => ({ default: await preload() }));
  function LazyPage() {
    if (loaded) return createElement(loaded);
    return (
      <Suspense fallback={<Loading label="Loading page…" />}>
        <Lazy />
      </Suspense>
    );
  }
  return Object.assign(LazyPage, { preload });
}

const AccountPage = page(() => import("./features/account/account-page").then((m) => m.AccountPage));
const AuditPage = page(() => import("./features/audit/audit-page").then((m) => m.AuditPage));
const BatchesPage = page(() => import("./features/inventory/batches-page").then((m) => m.BatchesPage));
const ChangesPage = page(() => import("./features/inventory/changes-page").then((m) => m.ChangesPage));
const LowStockPage = page(() => import("./features/inventory/low-stock-page").then((m) => m.LowStockPage));
const ResetPage = page(() => import("./features/inventory/reset-page").then((m) => m.ResetPage));
const StockPage = page(() => import("./features/inventory/stock-page").then((m) => m.StockPage));
const SecurityPage = page(() => import("./features/security/security-page").then((m) => m.SecurityPage));
const SystemPage = page(() => import("./features/system/system-page").then((m) => m.SystemPage));
const TokensPage = page(() => import("./features/tokens/tokens-page").then((m) => m.TokensPage));
const UsersPage = page(() => import("./features/users/users-page").then((m) => m.UsersPage));
const WebhooksPage = page(() => import("./features/webhooks/webhooks-page").then((m) => m.WebhooksPage));
const OrdersPage = page(() => import("./features/orders/orders-page").then((m) => m.OrdersPage));
const OrderDetailPage = page(() =>
  import("./features/orders/order-detail-page").then((m) => m.OrderDetailPage),
);
const ReviewQueuePage = page(() =>
  import("./features/orders/review-queue-page").then((m) => m.ReviewQueuePage),
);
const IncidentPage = page(() => import("./features/incidents/incident-page").then((m) => m.IncidentPage));
const IncidentsPage = page(() => import("./features/incidents/incidents-page").then((m) => m.IncidentsPage));
const AlertsPage = page(() => import("./features/monitoring/alerts-page").then((m) => m.AlertsPage));
const MonitoringPage = page(() =>
  import("./features/monitoring/monitoring-page").then((m) => m.MonitoringPage),
);
const BackupsPage = page(() => import("./features/backups/backups-page").then((m) => m.BackupsPage));
const DatabasePage = page(() => import("./features/database/database-page").then((m) => m.DatabasePage));

/** What route loaders need to start a page's queries before the page renders. */
export interface RouteDeps {
  queryClient: QueryClient;
  trpc: ConsoleTRPC;
}

/**
 * A route loader that starts the page's chunk and, once the session is known to be signed in,
 * its queries. A navigation inside the app never waits: the page finds its chunk and data already
 * on the way. The page load itself (the router's first navigation, `initial`) waits for the chunk
 * alone, which index.html has preloaded on a cold load of the page's address (vite.config.ts), so
 * milliseconds: otherwise the first render finds it still loading and shows "Loading page…",
 * which React keeps on screen for its fallback throttle (300 ms) before showing the page.
 */
function startLoading(Page: LazyPage, initial: () => boolean, prefetch?: () => void) {
  return () => {
    const chunk = Page.preload();
    if (prefetch)
      void restoreSession().then(() => {
        if (getSession().status === "signed-in") prefetch();
      });
    // A chunk that fails to load fails the page's render, where the error shows.
    return initial() ? chunk.then(ignore, ignore) : null;
  };
}

const ignore = () => null;

export function createRouter({ queryClient, trpc }: RouteDeps) {
  // The router is not there yet while createBrowserRouter starts the first navigation's loaders.
  const made: { router?: ReturnType<typeof createBrowserRouter> } = {};
  const initial = () => made.router?.state.initialized !== true;
  const router = createBrowserRouter([
    { path: "/login", element: <LoginPage /> },
    {
      element: <RequireAuth />,
      children: [
        { index: true, element: <Navigate to="/system" replace /> },
        {
          path: "system",
          element: <SystemPage />,
          loader: startLoading(SystemPage, initial, () => prefetchSystemPage(queryClient, trpc)),
        },
        { path: "account", element: <AccountPage /> },
        { path: "inventory", element: <StockPage /> },
        { path: "inventory/changes", element: <ChangesPage /> },
        { path: "inventory/low-stock", element: <LowStockPage /> },
        { path: "inventory/batches", element: <BatchesPage /> },
        {
          path: "inventory/reset",
          element: (
            <RequireRole min={minRoleFor("/inventory/reset")}>
              <ResetPage />
            </RequireRole>
          ),
        },
        { path: "webhooks", element: <WebhooksPage /> },
        { path: "orders", element: <OrdersPage /> },
        { path: "orders/review", element: <ReviewQueuePage /> },
        { path: "orders/:id", element: <OrderDetailPage /> },
        {
          path: "audit",
          element: (
            <RequireRole min={minRoleFor("/audit")}>
              <AuditPage />
            </RequireRole>
          ),
        },
        {
          path: "users",
          element: (
            <RequireRole min={minRoleFor("/users")}>
              <UsersPage />
            </RequireRole>
          ),
        },
        {
          path: "tokens",
          element: (
            <RequireRole min={minRoleFor("/tokens")}>
              <TokensPage />
            </RequireRole>
          ),
        },
        {
          path: "security",
          element: (
            <RequireRole min={minRoleFor("/security")}>
              <SecurityPage />
            </RequireRole>
          ),
        },
        { path: "monitoring", element: <MonitoringPage /> },
        { path: "alerts", element: <AlertsPage /> },
        { path: "incidents", element: <IncidentsPage /> },
        { path: "incidents/:id", element: <IncidentPage /> },
        { path: "database", element: <DatabasePage /> },
        { path: "backups", element: <BackupsPage /> },
        { path: "*", element: <NotFound /> },
      ],
    },
  ]);
  made.router = router;
  return router;
}

function NotFound() {
  return (
    <section className="panel">
      <h1>Page not found</h1>
      <p>There is nothing at this address. Use the navigation to pick a page.</p>
    </section>
  );
}
