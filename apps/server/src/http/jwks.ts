// GET /.well-known/jwks.json: the public keys that verify staff access tokens (NEXT, ACTIVE and
// RETIRING), for internal services verifying tokens themselves. A NEXT key is published before it
// signs anything, so a verifier caching this for five minutes never meets an unknown kid.
import type { FastifyInstance } from "fastify";
import { publicJwks } from "@radha/core/security";
import type { AppDeps } from "../deps";

export function registerJwksRoute(app: FastifyInstance, deps: AppDeps): void {
  app.get("/.well-known/jwks.json", async (_req, reply) => {
    const jwks = await publicJwks(deps.db);
    void reply
      .header("cache-control", "public, max-age=300, stale-while-revalidate=60")
      .header("content-type", "application/jwk-set+json; charset=utf-8");
    return jwks;
  });
}
