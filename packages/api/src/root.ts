// The whole API. Its type is what @radha/client and the console are typed against.
import { auditRouter } from "./routers/audit.router";
import { inventoryRouter } from "./routers/inventory.router";
import { authRouter } from "./routers/auth.router";
import { systemRouter } from "./routers/system.router";
import { tokensRouter } from "./routers/tokens.router";
import { usersRouter } from "./routers/users.router";
import { webhooksRouter } from "./routers/webhooks.router";
import { ordersRouter } from "./routers/orders.router";
import { securityRouter } from "./routers/security.router";
import { backupsRouter } from "./routers/backups.router";
import { dataMigrationsRouter } from "./routers/data-migrations.router";
import { databaseRouter } from "./routers/database.router";
import { emergencyRouter } from "./routers/emergency.router";
import { incidentsRouter } from "./routers/incidents.router";
import { monitoringRouter } from "./routers/monitoring.router";
import { createCallerFactory, router } from "./init";

export const appRouter = router({
  auth: authRouter,
  system: systemRouter,
  users: usersRouter,
  tokens: tokensRouter,
  audit: auditRouter,
  webhooks: webhooksRouter,
  inventory: inventoryRouter,
  orders: ordersRouter,
  security: securityRouter,
  backups: backupsRouter,
  database: databaseRouter,
  dataMigrations: dataMigrationsRouter,
  monitoring: monitoringRouter,
  incidents: incidentsRouter,
  emergency: emergencyRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
