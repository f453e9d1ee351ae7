// buildApp(deps) → { server, start, stop }: the HTTP server, bootable from tests.
import { randomUUID } from "node:crypto";
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from "@trpc/server/adapters/fastify";
import { appRouter, createContext, type AppRouter } from "@radha/api";
import Fastify from "fastify";
import type { AppDeps } from "./deps";
import { registerConsole } from "./http/console";
import { sendError } from "./http/errors";
import { registerHealthRoutes } from "./http/health";
import { registerMetrics } from "./http/metrics";
import { registerStorefrontRoutes } from "./http/storefront";
import { registerWebhookRoutes } from "./http/webhooks";

export interface BuildAppOptions {
  logLevel?: string;
  consoleDist?: string;
  bodyLimitBytes?: number;
}

const LARGE_BODY_LIMIT_BYTES = 16 * 1024 * 1024;
const LARGE_BODY_PROCEDURES = /^\/api\/trpc\/[^?]*inventory\.reset(Preview|Apply)/;
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
    bodyLimit: opts.bodyLimitBytes ?? 1024 * 1024,
    trustProxy: true,
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

  // Count files (up to 10 MB of CSV, more once JSON-escaped) reach inventory.reset* through tRPC,
  // which serves every procedure from one route: that route takes the bigger limit, and every
  // other procedure is held to the normal one by its declared length.
  const bodyLimit = opts.bodyLimitBytes ?? 1024 * 1024;
  server.addHook("onRoute", (route) => {
    if (route.url.startsWith("/api/trpc")) route.bodyLimit = Math.max(bodyLimit, LARGE_BODY_LIMIT_BYTES);
  });
  server.addHook("onRequest", async (req, reply) => {
    if (!req.url.startsWith("/api/trpc/") || LARGE_BODY_PROCEDURES.test(req.url)) return;
    if (Number(req.headers["content-length"] ?? 0) > bodyLimit) {
      return reply
        .code(413)
        .send({ error: "PAYLOAD_TOO_LARGE", message: `Request body is larger than ${bodyLimit} bytes` });
    }
  });

  registerMetrics(server);
  registerHealthRoutes(server, deps);
  registerStorefrontRoutes(server, deps);
  await registerWebhookRoutes(server, deps);

  await server.register(fastifyTRPCPlugin, {
    prefix: "/api/trpc",
    trpcOptions: {
      router: appRouter,
      createContext: createContext(deps),
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
    },
  };
}

export type App = Awaited<ReturnType<typeof buildApp>>;
