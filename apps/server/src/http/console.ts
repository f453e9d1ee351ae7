// Serves the built console at / with a fallback to index.html for client-side routes.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

export const CONSOLE_DIST = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../console/dist",
);

export async function registerConsole(app: FastifyInstance, dist = CONSOLE_DIST): Promise<void> {
  const built = existsSync(path.join(dist, "index.html"));
  if (built) await app.register(fastifyStatic, { root: dist, wildcard: false, index: ["index.html"] });
  app.setNotFoundHandler((req, reply) => {
    const wantsPage = req.method === "GET" && !req.url.startsWith("/api/") && req.url !== "/metrics";
    if (wantsPage && built) return reply.header("cache-control", "no-cache").sendFile("index.html");
    if (wantsPage)
      return reply
        .code(503)
        .type("text/plain")
        .send("The console is not built yet: run `pnpm build` (or `npm run up`).");
    return reply
      .code(404)
      .send({ error: "NOT_FOUND", message: `No route ${req.method} ${req.url.split("?")[0]}` });
  });
}
