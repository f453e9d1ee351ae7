// Minimal public reads the storefront uses. They honour maintenance_mode.
import type { FastifyInstance } from "fastify";
import { listPublicProducts } from "@radha/core/catalog";
import { DomainError } from "@radha/core/errors";
import { z } from "zod";
import type { AppDeps } from "../deps";
import { bearerFrom } from "@radha/api";

const ZProductsQuery = z.object({
  limit: z.coerce
    .number({ error: "limit must be a number" })
    .int("limit must be a whole number")
    .min(1, "limit must be at least 1")
    .max(100, "limit can be at most 100")
    .default(20),
});

export function registerStorefrontRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get("/api/products", async (req, reply) => {
    const limit = ZProductsQuery.parse(req.query).limit;
    if (await deps.flags.get("maintenance_mode")) {
      void reply.header("retry-after", "120");
      throw new DomainError("UNAVAILABLE", "The shop is under maintenance; please try again shortly.");
    }
    return { products: await listPublicProducts(deps.db, limit) };
  });

  app.get("/api/auth/session", async (req) => {
    const bearer = bearerFrom(req.headers.authorization);
    if (!bearer) return { authenticated: false as const };
    try {
      const p = await deps.auth.authenticate(bearer, { ip: req.ip, requestId: req.id });
      return { authenticated: true as const, kind: p.kind, role: p.role, name: p.name };
    } catch {
      return { authenticated: false as const };
    }
  });
}
