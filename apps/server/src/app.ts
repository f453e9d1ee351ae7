// buildApp(deps) → { server, start, stop }: the HTTP server, bootable from tests.
import { randomUUID } from "node:crypto";
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from "@trpc/server/adapters/fastify";
import { appRouter, createContext, type AppRouter } from "@radha/api";
import { MAX_BATCH_CALLS } from "@radha/core/input/schema";
import Fastify from "fastify";
import type { AppDeps } from "./deps";
import { registerConsole } from "./http/console";
import { sendError } from "./http/errors";
import { registerFileRoutes } from "./http/files";
import { registerHealthRoutes } from "./http/health";
import { registerJwksRoute } from "./http/jwks";
import { registerMetrics } from "./http/metrics";
import { registerStorefrontRoutes } from "./http/storefront";
import { registerWebhookRoutes } from "./http/webhooks";
import { createRequestStatsFlusher, sharedRequestStatsSource } from "./monitoring/request-stats";
import { registerSampledGauges } from "./monitoring/sampled-gauges";

export interface BuildAppOptions {
  logLevel?: string;
  consoleDist?: string;
}

const REQUEST_ID = /^[\w.:-]{1,100}$/;

export async function buildApp(deps: AppDeps, opts: BuildAppOptions = {}) {
  const server = Fastify({
    logger: {
      level: opts.logLevel ?? deps.env.LOG_LEVEL,
      redact: {
        paths: ["req.headers.authorization", "req.headers.cookie", 'res.headers["set-cookie"]'],
        censor: "[redacted]",
      },
    },
    // Every body, tRPC included, is at most 1 MB: files travel through /api/files (multipart).
    bodyLimit: 1024 * 1024,
    // X-Forwarded-For is believed only from OPS_TRUSTED_PROXIES (none by default): anyone else
    // could set the address that rate limits, the audit log and sessions record.
    trustProxy: deps.env.OPS_TRUSTED_PROXIES.length > 0 ? deps.env.OPS_TRUSTED_PROXIES : false,
    routerOptions: { maxParamLength: 5000 },
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });

  server.addHook("onSend", (req, reply, payload, done) => {
    void reply.header("x-request-id", req.id);
    done(null, payload);
  });

  server.setErrorHandler((error, _req, reply) => sendError(reply, error));

  const metrics = registerMetrics(server, {
    procedures: new Set(Object.keys(appRouter._def.procedures)),
    token: deps.env.OPS_METRICS_TOKEN,
  });
  registerSampledGauges(metrics, deps.db);
  // This instance's request metrics reach the shared table; the sampler (here or anywhere) merges them.
  const requestStats = createRequestStatsFlusher(deps.db, metrics, {
    intervalMs: deps.env.OPS_REQUEST_STATS_FLUSH_SECONDS * 1000,
    warn: (msg, err) => server.log.warn({ err }, msg),
  });
  requestStats.start();
  deps.metricSources.register(sharedRequestStatsSource(() => requestStats.flush()));
  await deps.flags.start();
  registerHealthRoutes(server, deps);
  registerStorefrontRoutes(server, deps);
  registerJwksRoute(server, deps);
  await registerWebhookRoutes(server, deps);
  await registerFileRoutes(server, deps);

  await server.register(fastifyTRPCPlugin, {
    prefix: "/api/trpc",
    trpcOptions: {
      router: appRouter,
      createContext: createContext(deps),
      maxBatchSize: MAX_BATCH_CALLS,
      onError({ error, path, req }) {
        if (error.code === "INTERNAL_SERVER_ERROR")
          req.log.error({ err: error.cause ?? error, path }, "tRPC procedure failed");
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>["trpcOptions"],
  });

  await registerConsole(server, opts.consoleDist);

  return {
    server,
    async start(port = deps.env.PORT, host = deps.env.HOST): Promise<string> {
      deps.health.start();
      return server.listen({ port, host });
    },
    async stop(): Promise<void> {
      await server.close();
      await requestStats.stop();
    },
    /** Writes this instance's request metrics now (tests; the timer does it every few seconds). */
    flushRequestStats: () => requestStats.flush(),
  };
}

export type App = Awaited<ReturnType<typeof buildApp>>;
