// Security operations as instances and providers see them: a revoked key refused on a second
// instance within a second, a Stripe secret roll with its overlap, the JWKS route, and provider
// key checks against a local stand-in of the providers' APIs.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { sharedTestStores, stripePayloads, TEST_MASTER_KEY_BASE64 } from "@radha/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, type App } from "../app";
import { createDeps, requireMasterKey, type AppDeps } from "../deps";
import { loadEnv } from "../env";
import { createTestServer, type TestServer } from "../testing";
import { createStripeHeader } from "./webhook-test-helpers";

const kidOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()) as { kid?: string }).kid;

describe("signing keys across instances", () => {
  let a: TestServer;
  let depsB: AppDeps;
  let appB: App;
  beforeAll(async () => {
    const [storeA, storeB] = sharedTestStores();
    a = await createTestServer({ store: storeA });
    // Instance B: its own pool, keyring and store connection on the same database and Redis.
    const env = { ...loadEnv({ OPS_MASTER_KEY: TEST_MASTER_KEY_BASE64 }), LOG_LEVEL: "silent" as const };
    depsB = createDeps(env, { databaseUrl: a.database.url, store: storeB });
    await depsB.ready;
    appB = await buildApp(depsB, { logLevel: "silent" });
  });
  afterAll(async () => {
    await appB.stop();
    await depsB.close();
    await a.close();
  });

  const sessionOn = async (app: App, token: string) =>
    (
      await app.server.inject({
        method: "GET",
        url: "/api/auth/session",
        headers: { authorization: `Bearer ${token}` },
      })
    ).json<{ authenticated: boolean }>().authenticated;

  it("a revoked key's tokens are refused on both instances within a second", async () => {
    const admin = await a.signIn("ADMIN");
    const viewer = await a.signIn("VIEWER");
    // Both instances have loaded the key (their caches are warm: a stale cache is the risk).
    expect(await sessionOn(a.app, viewer.accessToken)).toBe(true);
    expect(await sessionOn(appB, viewer.accessToken)).toBe(true);
    await expect(depsB.keyring.verify(viewer.accessToken)).resolves.toMatchObject({ sub: viewer.userId });

    const kid = kidOf(viewer.accessToken) ?? "";
    const started = Date.now();
    await admin.caller.security.revokeKey({ kid, reason: "drill: key revoked" });
    let refusedAfter = -1;
    while (Date.now() - started < 1000) {
      const refused = await depsB.keyring.verify(viewer.accessToken).then(
        () => false,
        () => true,
      );
      if (refused) {
        refusedAfter = Date.now() - started;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(refusedAfter, "instance B still verified the revoked key after 1 s").toBeGreaterThanOrEqual(0);
    expect(await sessionOn(appB, viewer.accessToken)).toBe(false);
    expect(await sessionOn(a.app, viewer.accessToken)).toBe(false);
    // B signs with the newly activated key at once too.
    const again = await depsB.auth.login(
      { email: viewer.email, password: "correct horse battery staple" },
      {},
    );
    expect(kidOf(again.accessToken)).not.toBe(kid);
    expect(await sessionOn(a.app, again.accessToken)).toBe(true);
  });

  it("GET /.well-known/jwks.json publishes the verifying public keys with cache headers", async () => {
    const res = await a.app.server.inject({ method: "GET", url: "/.well-known/jwks.json" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["cache-control"]).toMatch(/max-age=300/);
    const body = res.json<{ keys: { kid: string; kty: string; d?: string }[] }>();
    const states = await a.database.db.selectFrom("signingKeys").select(["kid", "state"]).execute();
    const verifying = states
      .filter((k) => ["NEXT", "ACTIVE", "RETIRING"].includes(k.state))
      .map((k) => k.kid);
    expect(body.keys.map((k) => k.kid).sort()).toEqual(verifying.sort());
    for (const k of body.keys) {
      expect(k.kty).toBe("EC");
      expect(k.d).toBeUndefined();
    }
  });
});

describe("a Stripe webhook secret roll", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await createTestServer({ env: { STRIPE_WEBHOOK_SECRET: "whsec_from_environment_0001" } });
  });
  afterAll(() => s.close());

  const deliver = async (id: string, secret: string) => {
    const body = JSON.stringify({ ...stripePayloads.succeeded(`pi_roll_${id}`), id: `evt_roll_${id}` });
    const res = await s.app.server.inject({
      method: "POST",
      url: "/api/webhooks/stripe",
      headers: { "content-type": "application/json", "stripe-signature": createStripeHeader(body, [secret]) },
      payload: body,
    });
    return res.statusCode;
  };
  const verifiedBy = async (id: string) =>
    s.database.db
      .selectFrom("webhookEvents")
      .select(["verifiedWith", "verifiedSecretId"])
      .where("providerEventId", "=", `evt_roll_${id}`)
      .executeTakeFirstOrThrow();

  it("old and new secret both verify during the overlap, the old one is refused after it, and each delivery records its secret", async () => {
    const admin = await s.signIn("ADMIN");
    const OLD = "whsec_old_dashboard_secret_0001";
    const NEW = "whsec_new_dashboard_secret_0002";
    const old = await admin.caller.security.addWebhookSecret({
      provider: "STRIPE",
      secret: OLD,
      reason: "initial",
    });
    expect(old.secret).toBeNull(); // a given secret is never echoed back
    expect(await deliver("1", OLD)).toBe(200);
    expect(await verifiedBy("1")).toEqual({ verifiedWith: "STORED", verifiedSecretId: old.info.id });
    expect(await deliver("env", "whsec_from_environment_0001")).toBe(200);
    expect(await verifiedBy("env")).toEqual({ verifiedWith: "ENVIRONMENT", verifiedSecretId: null });

    const rolled = await admin.caller.security.addWebhookSecret({
      provider: "STRIPE",
      secret: NEW,
      overlap: "2s",
      reason: "Stripe roll",
    });
    expect(rolled.expiring).toEqual([expect.objectContaining({ id: old.info.id })]);
    // During the overlap both verify.
    expect(await deliver("2", OLD)).toBe(200);
    expect(await deliver("3", NEW)).toBe(200);
    expect((await verifiedBy("2")).verifiedSecretId).toBe(old.info.id);
    expect((await verifiedBy("3")).verifiedSecretId).toBe(rolled.info.id);

    const during = await admin.caller.security.webhookSecrets({});
    expect(during.items.find((i) => i.id === old.info.id)?.state).toBe("EXPIRING");
    expect(during.items.find((i) => i.source === "environment")).toMatchObject({
      provider: "STRIPE",
      label: "from environment",
      state: "ACTIVE",
    });

    await new Promise((r) =>
      setTimeout(r, Date.parse(rolled.expiring[0]?.expiresAt ?? "") - Date.now() + 50),
    );
    expect(await deliver("4", OLD)).toBe(400);
    expect(await deliver("5", NEW)).toBe(200);
    const after = await admin.caller.security.webhookSecrets({});
    expect(after.items.find((i) => i.id === old.info.id)?.state).toBe("EXPIRED");

    // "last verified" shows when the old one stopped being used.
    await s.deps.webhookSecrets.flush();
    const rows = await admin.caller.security.webhookSecrets({});
    expect(rows.items.find((i) => i.id === old.info.id)?.lastVerifiedAt).not.toBeNull();
    expect(rows.items.find((i) => i.id === rolled.info.id)?.lastVerifiedAt).not.toBeNull();

    // Revoking the new one refuses it at once.
    await admin.caller.security.revokeWebhookSecret({ id: rolled.info.id ?? "", reason: "drill" });
    expect(await deliver("6", NEW)).toBe(400);
    const audit = await s.database.db.selectFrom("auditLog").selectAll().execute();
    expect(JSON.stringify(audit)).not.toMatch(/whsec_(old|new)_dashboard/);
  });
});

describe("provider key checks against a local stand-in", () => {
  let standIn: Server;
  let base = "";
  const seen: string[] = [];
  beforeAll(async () => {
    standIn = createServer((req: IncomingMessage, res: ServerResponse) => {
      const auth = req.headers.authorization ?? "";
      seen.push(`${req.method ?? ""} ${req.url ?? ""}`);
      const good =
        auth === "Bearer sk_test_standin_good_4242" ||
        auth === `Basic ${Buffer.from("rzp_test_standin:rzp-good-secret").toString("base64")}`;
      res.setHeader("content-type", "application/json");
      if (!good) {
        res.statusCode = 401;
        res.end(
          req.url?.startsWith("/v1/balance")
            ? JSON.stringify({
                error: { type: "invalid_request_error", message: "Invalid API Key provided" },
              })
            : JSON.stringify({ error: { code: "BAD_REQUEST_ERROR", description: "Authentication failed" } }),
        );
        return;
      }
      res.end(
        req.url?.startsWith("/v1/balance")
          ? JSON.stringify({ object: "balance", available: [], pending: [], livemode: false })
          : JSON.stringify({ entity: "collection", count: 0, items: [] }),
      );
    });
    await new Promise<void>((r) => standIn.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => standIn.close(() => r())));

  const serverWith = (stripeKey: string, razorpaySecret: string) =>
    createTestServer({
      env: {
        STRIPE_SECRET_KEY: stripeKey,
        RAZORPAY_KEY_ID: "rzp_test_standin",
        RAZORPAY_KEY_SECRET: razorpaySecret,
        STRIPE_API_BASE: base,
        RAZORPAY_API_BASE: base,
      },
    });

  it("passes with the keys the stand-in accepts: key masked, mode, latency", async () => {
    const s = await serverWith("sk_test_standin_good_4242", "rzp-good-secret");
    try {
      const admin = await s.signIn("ADMIN");
      const checks = await admin.caller.security.checkProviders({});
      expect(checks).toEqual([
        expect.objectContaining({
          provider: "STRIPE",
          ok: true,
          mode: "test",
          key: "sk_test_…4242",
          error: null,
        }),
        expect.objectContaining({
          provider: "RAZORPAY",
          ok: true,
          mode: "test",
          key: "rzp_test_…ndin",
          error: null,
        }),
      ]);
      for (const c of checks) expect(c.latencyMs).toBeGreaterThanOrEqual(0);
      expect(seen).toEqual(expect.arrayContaining(["GET /v1/balance", "GET /v1/payments?count=1&skip=0"]));
      expect(JSON.stringify(checks)).not.toContain("rzp-good-secret");
    } finally {
      await s.close();
    }
  });

  it("fails with the provider's error when a key is refused", async () => {
    const s = await serverWith("sk_test_standin_bad_0000", "rzp-wrong-secret");
    try {
      const admin = await s.signIn("ADMIN");
      const checks = await admin.caller.security.checkProviders({});
      expect(checks[0]).toMatchObject({ provider: "STRIPE", ok: false });
      expect(checks[0]?.error).toMatch(/Invalid API Key/);
      expect(checks[1]).toMatchObject({ provider: "RAZORPAY", ok: false });
      expect(checks[1]?.error).toMatch(/401|Authentication failed/);
      const audit = await s.database.db.selectFrom("auditLog").selectAll().execute();
      expect(JSON.stringify(audit)).not.toContain("sk_test_standin_bad_0000");
    } finally {
      await s.close();
    }
  });
});

describe("the master key at start", () => {
  it("is required outside the embedded demo, with the fix in the message; a bad value names the variable", () => {
    const env = loadEnv({ OPS_MASTER_KEY: "" });
    expect(() => requireMasterKey(env)).toThrow(/OPS_MASTER_KEY is not set.*openssl rand -base64 32/s);
    expect(requireMasterKey(env, TEST_MASTER_KEY_BASE64).bytes).toHaveLength(32);
    expect(() => loadEnv({ OPS_MASTER_KEY: "too-short" })).toThrow(/OPS_MASTER_KEY/);
  });
});
