// GET /api/health (readiness) and GET /api/health/live (liveness: the process only).
import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../deps";

export function registerHealthRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get("/api/health/live", () => ({ status: "pass", uptimeSeconds: Math.round(process.uptime()) }));
  app.get("/api/health", async (_req, reply) => {
    const report = await deps.health.report();
    return reply
      .header("cache-control", "no-store")
      .code(report.status === "fail" ? 503 : 200)
      .send(report);
  });
}
