// Files over HTTP rather than inside JSON: count-file upload (multipart) and the streamed
// inventory export, behind the same bearer auth and roles as the tRPC procedures.
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import multipart from "@fastify/multipart";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { bearerFrom, requireStaff } from "@radha/api";
import type { Actor } from "@radha/core/audit";
import { DomainError, isDomainError } from "@radha/core/errors";
import {
  countFileTooLarge,
  inventoryExportFileName,
  MAX_COUNT_FILE_BYTES,
  storeCountUpload,
  streamInventoryCsv,
} from "@radha/core/inventory";
import { COUNT_FILE_FIELD } from "@radha/core/inventory/schema";
import { actorFor } from "@radha/core/security";
import type { TStaffRole } from "@radha/core/security/schema";
import type { AppDeps } from "../deps";

export const COUNT_UPLOAD_URL = "/api/files/inventory/counts";
export const STOCK_EXPORT_URL = "/api/files/inventory/stock.csv";

// How much of an oversized upload is read and dropped after the 413 before the connection closes.
const DISCARD_LIMIT_BYTES = 4 * MAX_COUNT_FILE_BYTES;
// Room for the multipart boundaries and part headers around a file at the limit.
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

const notMultipart = () =>
  new DomainError(
    "BAD_REQUEST",
    `Send the count file as multipart/form-data, in a field named "${COUNT_FILE_FIELD}"`,
  );

const malformedUpload = (cause: unknown) =>
  new DomainError(
    "BAD_REQUEST",
    `The upload is not valid multipart/form-data (${cause instanceof Error ? cause.message : "unreadable body"}). ` +
      `Send the count file as a form field named "${COUNT_FILE_FIELD}"`,
    { cause },
  );

async function readUpload(req: FastifyRequest): Promise<{ fileName: string; content: Buffer }> {
  const part = await req.file();
  if (part?.fieldname !== COUNT_FILE_FIELD) throw notMultipart();
  return { fileName: part.filename, content: await readCountFile(part.file) };
}

/** The file part in memory, or the 413 as soon as the bytes read pass the limit. */
async function readCountFile(file: Readable): Promise<Buffer> {
  // busboy stops passing data at the limit but would parse on to the end of the part.
  file.once("limit", () => file.destroy(countFileTooLarge()));
  const chunks: Buffer[] = [];
  for await (const chunk of file) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * After an answer given before the body was read to its end (a 413 mid-upload), the rest is read
 * and dropped so the client, still sending, gets to read the answer; past a bound the connection
 * is closed instead. Left alone, the half-read request would hold its connection open.
 */
function discardRest(req: IncomingMessage): void {
  if (req.readableEnded) return;
  let budget = DISCARD_LIMIT_BYTES;
  req.unpipe();
  req.on("data", (chunk: Buffer) => {
    budget -= chunk.length;
    if (budget < 0) req.socket.destroy();
  });
  req.resume();
}

export async function registerFileRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const staffActor = async (req: FastifyRequest, minRole: TStaffRole): Promise<Actor> => {
    const principal = await requireStaff(
      bearerFrom(req.headers.authorization),
      (bearer) => deps.auth.authenticate(bearer, { ip: req.ip, requestId: req.id }),
      minRole,
    );
    return actorFor(principal, { requestId: req.id, ip: req.ip });
  };

  // Encapsulated so the multipart parser serves these routes only.
  await app.register(async (files) => {
    await files.register(multipart, {
      // busboy counts the bytes it actually reads, so the limit holds for chunked bodies too.
      limits: { fileSize: MAX_COUNT_FILE_BYTES, files: 1 },
    });

    files.addHook("onResponse", (req, _reply, done) => {
      discardRest(req.raw);
      done();
    });
    // Any other body reaches the handler unread, so auth answers first and the 400 says what to send.
    files.addContentTypeParser("*", (_req, _payload, done) => {
      done(null);
    });

    files.post(COUNT_UPLOAD_URL, async (req, reply) => {
      // Who is asking is settled before a byte of the body is read.
      const actor = await staffActor(req, "OPERATOR");
      if (Number(req.headers["content-length"] ?? 0) > MAX_COUNT_FILE_BYTES + MULTIPART_OVERHEAD_BYTES)
        throw countFileTooLarge();
      if (!req.isMultipart()) throw notMultipart();
      const { fileName, content } = await readUpload(req).catch((cause: unknown) => {
        // The multipart parser's own errors (no boundary, a body cut short) are the sender's mistake.
        throw isDomainError(cause) ? cause : malformedUpload(cause);
      });
      const upload = await storeCountUpload(deps.db, actor, { fileName, content });
      return reply.code(201).send(upload);
    });
  });

  app.get(STOCK_EXPORT_URL, async (req, reply) => {
    await staffActor(req, "VIEWER");
    return reply
      .header("content-type", "text/csv; charset=utf-8")
      .header("content-disposition", `attachment; filename="${inventoryExportFileName()}"`)
      .header("cache-control", "no-store")
      .send(streamInventoryCsv(deps.db).csv);
  });
}
