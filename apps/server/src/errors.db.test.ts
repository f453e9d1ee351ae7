// Domain errors over real HTTP: the status from the one table, and details typed on the client.
import { createOpsClient, TRPCClientError, type AppRouter } from "@radha/client";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import type { DomainErrorDetails } from "@radha/core/errors";
import { createTestServer, type TestServer } from "./testing";

let server: TestServer;
beforeAll(async () => {
  server = await createTestServer();
  await server.listen();
});
afterAll(() => server.close());

async function clientError(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof TRPCClientError))
    throw new Error(`expected a TRPCClientError, got ${String(error)}`);
  return error as TRPCClientError<AppRouter>;
}

/** The count file goes up as multipart (POST /api/files/inventory/counts); tRPC names its id. */
async function uploadCounts(token: string, csv: string): Promise<string> {
  const form = new FormData();
  form.append("file", new Blob([csv], { type: "text/csv" }), "counts.csv");
  const res = await fetch(`${server.url}/api/files/inventory/counts`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return ((await res.json()) as { uploadId: string }).uploadId;
}

describe("domain errors over HTTP", () => {
  it("a refused reset reaches @radha/client with its problem rows", async () => {
    const token = await server.serviceToken("OPERATOR");
    const client = createOpsClient({ url: server.url, token });
    const uploadId = await uploadCounts(token, "sku,counted\nNO-SUCH-SKU,1\n");
    const refused = await clientError(
      client.inventory.resetApply.mutate({ uploadId, reason: "count", batchKey: "http-test-details-1" }),
    );
    expectTypeOf(refused.data?.domain?.details).toEqualTypeOf<DomainErrorDetails | null | undefined>();
    expect(refused.message).toMatch(/Nothing was changed/);
    expect(refused.data).toMatchObject({
      code: "BAD_REQUEST",
      httpStatus: 400,
      domain: { code: "BAD_REQUEST" },
    });
    const details = refused.data?.domain?.details;
    expect(details && "problems" in details ? details.problems.map((r) => [r.line, r.sku]) : details).toEqual(
      [[2, "NO-SUCH-SKU"]],
    );
  });

  it("a role the caller lacks is a FORBIDDEN domain error without details", async () => {
    const client = createOpsClient({ url: server.url, token: await server.serviceToken("VIEWER") });
    const refused = await clientError(
      client.inventory.resetApply.mutate({
        uploadId: "00000000-0000-4000-8000-000000000000",
        reason: "count",
        batchKey: "http-test-viewer",
      }),
    );
    expect(refused.data).toMatchObject({ httpStatus: 403, domain: { code: "FORBIDDEN", details: null } });
  });

  it("raw routes answer with the same codes: bad input names the field", async () => {
    const res = await fetch(`${server.url}/api/products?limit=0`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "BAD_REQUEST", message: "limit: limit must be at least 1" });
  });
});
