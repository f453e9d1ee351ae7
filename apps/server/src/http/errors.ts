// How every raw route answers an error: the status from the one table in @radha/api and a body
// of `{ error, message, details? }`. Unknown errors are logged and become a bare 500.
import { asDomainError, DOMAIN_ERRORS, domainCodeForStatus, errorBody, type ErrorBody } from "@radha/api";
import type { FastifyReply } from "fastify";

export function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  const domain = asDomainError(error);
  if (domain) return reply.code(DOMAIN_ERRORS[domain.code].http).send(errorBody(domain));
  // Fastify's own refusals (malformed JSON, body too large, unsupported type) keep their status.
  const status = fastifyStatus(error);
  if (status !== undefined && status < 500) {
    const body: ErrorBody = {
      error: domainCodeForStatus(status) ?? "BAD_REQUEST",
      message: errorText(error),
    };
    return reply.code(status).send(body);
  }
  reply.log.error({ err: error }, "unhandled error");
  const body: ErrorBody = {
    error: "INTERNAL",
    message: `Internal error; quote request id ${reply.request.id}`,
  };
  return reply.code(500).send(body);
}

function fastifyStatus(error: unknown): number | undefined {
  const status = error instanceof Error ? (error as { statusCode?: unknown }).statusCode : undefined;
  return typeof status === "number" ? status : undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
