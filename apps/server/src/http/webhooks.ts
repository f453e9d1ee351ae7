// POST /api/webhooks/stripe and /api/webhooks/razorpay: raw bytes in, signature checked with the
// provider's SDK, event committed (with its processing job) before the 2xx.
import type { FastifyError, FastifyInstance, FastifyRequest } from "fastify";
import { asDomainError } from "@radha/api";
import { DomainError } from "@radha/core/errors";
import { logRejection, type TProvider } from "@radha/core/webhooks";
import { createMemoryStore, createWindowAdmission } from "@radha/core/shared-store";
import type { AppDeps } from "../deps";
import { sendError } from "./errors";

export async function registerWebhookRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // While the window is far from its limit a webhook does not wait for the store (its hit joins
  // the next background INCRBY); near it, each waits for its exact count (coalesced).
  const admission = createWindowAdmission(deps.store, createMemoryStore());
  await app.register((scope, _opts, done) => {
    // Raw bytes for every content type: the signature covers the exact body.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      "*",
      { parseAs: "buffer", bodyLimit: deps.env.OPS_WEBHOOK_MAX_BODY_BYTES },
      (_req, body, next) => next(null, body),
    );

    scope.setErrorHandler(async (error: FastifyError, req, reply) => {
      const provider = providerOf(req);
      if (error.statusCode === 413 && provider) {
        const reason = `body over ${deps.env.OPS_WEBHOOK_MAX_BODY_BYTES} bytes`;
        await logRejection(
          deps.db,
          { provider, rawBody: Buffer.alloc(0), headers: req.headers, ip: req.ip, requestId: req.id },
          413,
          reason,
        ).catch(() => undefined);
        return sendError(reply, new DomainError("PAYLOAD_TOO_LARGE", reason));
      }
      if (asDomainError(error) || (error.statusCode && error.statusCode < 500))
        return sendError(reply, error);
      req.log.error({ err: error }, "webhook intake failed");
      // 5xx: the provider will retry; nothing was acknowledged.
      return sendError(reply, new DomainError("UNAVAILABLE", "Could not store the event; retry later"));
    });

    // Before the body is read or a signature checked: a flood costs a counter, not a verify.
    scope.addHook("onRequest", async (req, reply) => {
      const provider = providerOf(req);
      if (!provider) return;
      const limit = await admission.admit(
        `webhooks:rate:${provider}`,
        60,
        deps.env.OPS_WEBHOOK_RATE_LIMIT_PER_MINUTE,
      );
      if (limit.allowed) return;
      req.log.warn({ provider }, "webhook rate limit reached");
      void reply.header("retry-after", String(limit.retryAfterSeconds));
      return sendError(
        reply,
        new DomainError(
          "RATE_LIMITED",
          `More than ${deps.env.OPS_WEBHOOK_RATE_LIMIT_PER_MINUTE} ${provider} webhooks this minute; retry after ${limit.retryAfterSeconds} s`,
        ),
      );
    });

    for (const provider of ["stripe", "razorpay"] as const) {
      scope.post(`/api/webhooks/${provider}`, async (req, reply) => {
        const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const result = await deps.webhookIntake.receive({
          provider: provider.toUpperCase() as TProvider,
          rawBody,
          headers: req.headers,
          ip: req.ip,
          requestId: req.id,
        });
        if (!result.accepted) {
          req.log.warn({ provider, reason: result.reason }, "webhook rejected");
          throw new DomainError(result.code, result.reason);
        }
        return reply.code(200).send({ received: true, duplicate: result.duplicate, id: result.eventId });
      });
    }
    done();
  });
}

function providerOf(req: FastifyRequest): TProvider | undefined {
  if (req.url.startsWith("/api/webhooks/stripe")) return "STRIPE";
  if (req.url.startsWith("/api/webhooks/razorpay")) return "RAZORPAY";
  return undefined;
}
