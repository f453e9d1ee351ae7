// Runs the real `ops` executable as a child process against a fresh database.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { recordAuditEvent, SYSTEM_ACTOR } from "@radha/core/audit";
import { sql } from "kysely";
import {
  createTestAuthService,
  createTestDatabase,
  createUser,
  type TestDatabase,
} from "@radha/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bin/ops.mjs");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Only what the CLI needs: the child sees no other configuration from this machine. */
function ops(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...env }, timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let database: TestDatabase;
const run = (...args: string[]) => ops(args, { DATABASE_URL: database.url });

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database.drop();
});

/** Changes an audit row behind the append-only trigger's back, as an attacker with SQL access could. */
async function tamperAuditRow(seq: number): Promise<void> {
  await database.db.connection().execute(async (conn) => {
    const setRole = (value: string) =>
      conn
        .selectNoFrom((eb) =>
          eb
            .fn<string>("set_config", [eb.val("session_replication_role"), eb.val(value), eb.val(false)])
            .as("role"),
        )
        .execute();
    await setRole("replica");
    try {
      await conn
        .updateTable("auditLog")
        .set({ reason: "nothing to see here" })
        .where("seq", "=", String(seq) as never)
        .execute();
    } finally {
      await setRole("origin");
    }
  });
}

describe("ops (child process, real database)", () => {
  it("prints help with examples for the program and each command", async () => {
    const root = await run("--help");
    expect(root.code).toBe(0);
    expect(root.stdout).toContain("Usage: ops");
    for (const domain of ["db", "tokens", "audit"]) expect(root.stdout).toContain(domain);

    const create = await run("tokens", "create", "--help");
    expect(create.code).toBe(0);
    expect(create.stdout).toContain("--role <role>");
    expect(create.stdout).toContain("Examples:");
    expect(create.stdout).toContain("$ ops tokens create --name");
  });

  it("db migrate succeeds and is idempotent", async () => {
    // The test database is already migrated from the template, so both runs apply nothing.
    const first = await run("db", "migrate", "--json");
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ applied: [] });
    const second = await run("db", "migrate");
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("up to date");
  });

  it("db seed adds demo data once; a second run adds nothing", async () => {
    const first = await run("--json", "db", "seed");
    expect(first.code).toBe(0);
    const counts = JSON.parse(first.stdout) as Record<string, number>;
    expect(counts.products).toBeGreaterThan(0);
    // DATABASE_URL is set: the demo staff with the published password are never seeded there.
    expect(counts.users).toBe(1);
    const staff = await database.db
      .selectFrom("users")
      .select("email")
      .where("email", "like", "%@radhagsareees.test")
      .where("role", "!=", "CUSTOMER")
      .execute();
    expect(staff).toEqual([]);

    const second = await run("db", "seed", "--json");
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ products: 0, variants: 0, orders: 0, users: 0 });

    const products = await database.db
      .selectFrom("products")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(products.n)).toBe(counts.products);
  });

  it("tokens create prints a working token once and records the OS user as actor", async () => {
    const owner = await createUser(database.db, { role: "ADMIN" });
    const created = await run(
      "tokens",
      "create",
      "--name",
      "stock-sync",
      "--role",
      "operator",
      "--owner",
      owner.email,
      "--json",
    );
    expect(created.code).toBe(0);
    const body = JSON.parse(created.stdout) as { token: string; id: string; name: string; role: string };
    expect(Object.keys(body).sort()).toEqual(["expiresAt", "id", "name", "owner", "role", "token"]);
    expect(body).toMatchObject({ name: "stock-sync", role: "OPERATOR", owner: owner.email });

    const row = await database.db
      .selectFrom("serviceTokens")
      .selectAll()
      .where("id", "=", body.id)
      .executeTakeFirstOrThrow();
    expect(row.tokenHash).toBe(createHash("sha256").update(body.token).digest("hex"));
    expect(row.createdBy).toBe(`cli:${userInfo().username}`);

    const auth = createTestAuthService(database.db, { loginMaxPerIp: 30, loginWindowSeconds: 900 });
    await expect(auth.authenticate(body.token)).resolves.toMatchObject({
      kind: "service",
      tokenId: body.id,
      role: "OPERATOR",
    });

    const audit = await database.db
      .selectFrom("auditLog")
      .selectAll()
      .where("action", "=", "tokens.create")
      .where("targetId", "=", body.id)
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({
      actorType: "SYSTEM",
      actorId: null,
      actorLabel: `cli:${userInfo().username}`,
    });

    // The human form shows the secret once, with a warning, and the list never shows it.
    const human = await run(
      "tokens",
      "create",
      "--name",
      "report-bot",
      "--role",
      "VIEWER",
      "--owner",
      owner.email,
    );
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/rso_[A-Za-z0-9_-]{20,}/);
    expect(human.stderr).toMatch(/shown only once/);
    const list = await run("tokens", "list");
    expect(list.code).toBe(0);
    expect(list.stdout).toContain("stock-sync");
    expect(list.stdout).toContain("report-bot");
    expect(list.stdout).not.toContain(body.token);

    const revoked = await run("tokens", "revoke", body.id, "--json");
    expect(revoked.code).toBe(0);
    expect((JSON.parse(revoked.stdout) as { revokedAt: string | null }).revokedAt).not.toBeNull();
    await expect(auth.authenticate(body.token)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("rejects bad input with a clear message, a non-zero exit and no stack trace", async () => {
    const owner = await createUser(database.db, { role: "ADMIN" });
    const create = (...args: string[]) => run("tokens", "create", "--owner", owner.email, ...args);
    const badRole = await create("--name", "x-bot", "--role", "KING");
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toContain('"KING" is not a staff role; use one of VIEWER, OPERATOR, ADMIN');

    const badName = await create("--name", "no spaces", "--role", "VIEWER");
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/^error: invalid input: name: /m);

    const duplicate = await create("--name", "report-bot", "--role", "VIEWER");
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('An active service token named "report-bot" exists');

    const unknownId = await run("tokens", "revoke", "0b6e5b1e-6a4d-4c1e-9d7e-3f2a1c9b8e7d");
    expect(unknownId.code).toBe(1);
    expect(unknownId.stderr).toContain("No service token with that id");

    const missing = await create("--role", "VIEWER");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--name <name>'");

    const unknown = await run("tokens", "frobnicate");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");

    for (const r of [badRole, badName, duplicate, unknownId, missing, unknown]) {
      expect(r.stdout).toBe("");
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("audit verify exits 0 on an intact chain and 1 naming the first tampered row", async () => {
    const intact = await run("audit", "verify");
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/Audit chain intact: \d+ events verified/);

    const events = await database.db.selectFrom("auditLog").select("seq").orderBy("seq").execute();
    expect(events.length).toBeGreaterThanOrEqual(3);
    await tamperAuditRow(2);

    const broken = await run("audit", "verify");
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain("Audit chain BROKEN at seq 2: its content no longer matches its hash");

    const json = await run("audit", "verify", "--json");
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      checked: 1,
      firstBroken: { seq: "2", reason: "its content no longer matches its hash" },
      checkpoint: null,
    });
  });

  it("audit checkpoint + verify: a truncated tail the chain alone accepts is reported", async () => {
    const own = await createTestDatabase();
    const dir = await mkdtemp(path.join(tmpdir(), "radha-cli-ckpt-"));
    try {
      for (let i = 0; i < 4; i++)
        await recordAuditEvent(own.appDb, SYSTEM_ACTOR, { action: "test.cli", after: { i } });
      const env = {
        DATABASE_URL: own.url,
        OPS_AUDIT_CHECKPOINT_DIR: dir,
        OPS_AUDIT_CHECKPOINT_KEY: "k".repeat(40),
      };
      const written = await ops(["audit", "checkpoint"], env);
      expect(written.code).toBe(0);
      expect(written.stdout).toContain("Checkpoint at seq 4");
      expect((await ops(["audit", "verify"], env)).stdout).toContain("Matches checkpoint");
      // The owner deletes the last two rows with the triggers off: the chain that is left verifies.
      await sql`ALTER TABLE audit_log DISABLE TRIGGER USER; DELETE FROM audit_log WHERE seq > 2; ALTER TABLE audit_log ENABLE TRIGGER USER`.execute(
        own.db,
      );
      const verify = await ops(["audit", "verify"], env);
      expect(verify.code).toBe(1);
      expect(verify.stdout).toContain("Audit chain intact: 2 events verified");
      expect(verify.stdout).toMatch(
        /Checkpoint MISMATCH: the log ends at seq 2 but checkpoint .* vouches for seq 4/,
      );
    } finally {
      await own.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reports an unreachable database in one line", async () => {
    const r = await ops(["tokens", "list"], { DATABASE_URL: "postgres://postgres@127.0.0.1:1/nowhere" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot reach the database .*check DATABASE_URL/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

describe("ops without DATABASE_URL (embedded PostgreSQL)", () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "radha-cli-embedded-"));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("starts the embedded database, migrates it, and stops it again", { timeout: 180_000 }, async () => {
    const env = { OPS_DATA_DIR: path.join(dataDir, "pg"), OPS_EMBEDDED_PG_PORT: String(await freePort()) };
    const migrated = await ops(["db", "migrate", "--json"], env);
    expect(migrated.stderr).toContain("embedded PostgreSQL");
    expect(migrated.code).toBe(0);
    expect((JSON.parse(migrated.stdout) as { applied: string[] }).applied.length).toBeGreaterThan(0);
    // The CLI started it, so it stopped it: no server holds the data folder any more.
    expect(existsSync(path.join(env.OPS_DATA_DIR, "postmaster.pid"))).toBe(false);

    const again = await ops(["db", "migrate", "--json"], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ applied: [] });
    expect(existsSync(path.join(env.OPS_DATA_DIR, "postmaster.pid"))).toBe(false);
  });
});
