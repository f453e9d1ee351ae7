// Body limits hold on the bytes actually read (chunked bodies declare no length), for every
// route and any mix of procedures in a batch, without signing in; a tRPC batch has a call cap.
import { request } from "node:http";
import { MAX_BATCH_CALLS } from "@radha/core/input/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../testing";

let s: TestServer;
let base: URL;
beforeAll(async () => {
  s = await createTestServer();
  base = new URL(await s.listen());
});
afterAll(() => s.close());

/**
 * POSTs `bytes` of `chunk` repeated, chunked (no Content-Length), and answers the status and
 * how many bytes the server had let through before answering.
 */
function postChunked(path: string, bytes: number, contentType: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; sent: number }>((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: "POST",
        headers: { "content-type": contentType, ...headers },
      },
      (res) => {
        answered = true;
        res.resume();
        res.on("end", () => {
          // Nothing more to send: close the socket so the server can stop.
          req.destroy();
          resolve({ status: res.statusCode ?? 0, sent });
        });
      },
    );
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    const piece = Buffer.alloc(64 * 1024, "a");
    const write = () => {
      while (sent < bytes && !answered) {
        sent += piece.length;
        if (!req.write(piece)) {
          req.once("drain", write);
          return;
        }
      }
      req.end();
    };
    req.write('{"email":"a@b.test","password":"');
    write();
  });
}

describe("body limits on bytes read", () => {
  it("a chunked 4 MB body to a tRPC procedure is refused with 413, unsigned", async () => {
    const res = await postChunked("/api/trpc/auth.login", 4 * 1024 * 1024, "application/json");
    expect(res.status).toBe(413);
  });

  it("a batch URL naming any procedures gets the same 1 MB limit", async () => {
    const res = await postChunked(
      "/api/trpc/auth.login,inventory.resetPreview,inventory.resetApply?batch=1",
      4 * 1024 * 1024,
      "application/json",
    );
    expect(res.status).toBe(413);
  });

  it("a chunked webhook body over its cap is 413", async () => {
    const res = await postChunked("/api/webhooks/stripe", 2 * 1024 * 1024, "application/json", {
      "stripe-signature": "t=1,v1=00",
    });
    expect(res.status).toBe(413);
  });

  it("an unsigned chunked upload is answered 401 before its body is read", async () => {
    const res = await postChunked(
      "/api/files/inventory/counts",
      32 * 1024 * 1024,
      "multipart/form-data; boundary=x",
    );
    expect(res.status).toBe(401);
  });
});

describe("tRPC batch size", () => {
  const batch = (n: number) =>
    s.app.server.inject({
      method: "GET",
      url: `/api/trpc/${Array.from({ length: n }, () => "auth.me").join(",")}?batch=1&input=${encodeURIComponent("{}")}`,
    });

  it(`up to ${MAX_BATCH_CALLS} calls are answered call by call`, async () => {
    const res = await batch(MAX_BATCH_CALLS);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toHaveLength(MAX_BATCH_CALLS);
  });

  it("more calls in one batch are refused with a 400 before any runs", async () => {
    const res = await batch(MAX_BATCH_CALLS + 1);
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/Batch call exceeds maximum size/);
    const huge = await batch(500);
    expect(huge.statusCode).toBe(400);
  });
});
