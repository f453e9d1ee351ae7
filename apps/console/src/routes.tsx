import { createBrowserRouter, Navigate } from "react-router";
import { AccountPage } from "./features/account/account-page";
import { LoginPage } from "./features/auth/login-page";
import { RequireAuth, RequireRole } from "./features/auth/require-auth";
import { AuditPage } from "./features/audit/audit-page";
import { BatchesPage } from "./features/inventory/batches-page";
import { ChangesPage } from "./features/inventory/changes-page";
import { LowStockPage } from "./features/inventory/low-stock-page";
import { ResetPage } from "./features/inventory/reset-page";
import { StockPage } from "./features/inventory/stock-page";
import { minRoleFor } from "./features/shell/nav";
import { SecurityPage } from "./features/security/security-page";
import { SystemPage } from "./features/system/system-page";
import { TokensPage } from "./features/tokens/tokens-page";
import { UsersPage } from "./features/users/users-page";
import { WebhooksPage } from "./features/webhooks/webhooks-page";
import { OrdersPage } from "./features/orders/orders-page";
import { OrderDetailPage } from "./features/orders/order-detail-page";
import { ReviewQueuePage } from "./features/orders/review-queue-page";
import { IncidentPage } from "./features/incidents/incident-page";
import { IncidentsPage } from "./features/incidents/incidents-page";
import { AlertsPage } from "./features/monitoring/alerts-page";
import { MonitoringPage } from "./features/monitoring/monitoring-page";
import { BackupsPage } from "./features/backups/backups-page";
import { DatabasePage } from "./features/database/database-page";

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
