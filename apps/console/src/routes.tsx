import { lazy, Suspense, type ComponentType } from "react";
import { createBrowserRouter, Navigate } from "react-router";
import { LoginPage } from "./features/auth/login-page";
import { RequireAuth, RequireRole } from "./features/auth/require-auth";
import { minRoleFor } from "./features/shell/nav";
import { Loading } from "./ui/states";

/**
 * A route's page as its own chunk, fetched when the route is first shown (the shell stays up
 * meanwhile): the initial download is the shell, the sign-in page and the libraries they use.
 */
function page(load: () => Promise<ComponentType>): ComponentType {
  const Lazy = lazy(async () => ({ default: await load() }));
  return function LazyPage() {
    return (
      <Suspense fallback={<Loading label="Loading page…" />}>
        <Lazy />
      </Suspense>
    );
  };
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

export function createRouter() {
  return createBrowserRouter([
    { path: "/login", element: <LoginPage /> },
    {
      element: <RequireAuth />,
      children: [
        { index: true, element: <Navigate to="/system" replace /> },
        { path: "system", element: <SystemPage /> },
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
}

function NotFound() {
  return (
    <section className="panel">
      <h1>Page not found</h1>
      <p>There is nothing at this address. Use the navigation to pick a page.</p>
    </section>
  );
}
