// `ops keys|sessions|secrets|users|flags` as a child process against a fresh database.
import { ensureSigningKeys } from "@radha/core/security";
import {
  createTestDatabase,
  createUser,
  TEST_MASTER_KEY,
  TEST_MASTER_KEY_BASE64,
  type TestDatabase,
} from "@radha/core/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runOps } from "../testing";

// Each test runs the real CLI a dozen times: a child process each, on a shared 2-core machine.
vi.setConfig({ testTimeout: 180_000 });

let database: TestDatabase;
const ops = (args: string[], stdin = "") =>
  runOps({ DATABASE_URL: database.url, OPS_MASTER_KEY: TEST_MASTER_KEY_BASE64 }, args, stdin);

beforeAll(async () => {
  database = await createTestDatabase();
  await ensureSigningKeys(database.db, TEST_MASTER_KEY);
});
afterAll(() => database.drop());

describe("ops keys", () => {
  it("list → rotate → revoke, with reasons; rotate without --reason is a usage error", async () => {
    const before = JSON.parse((await ops(["keys", "list", "--json"])).stdout) as {
      kid: string;
      state: string;
    }[];
    const next = before.find((k) => k.state === "NEXT")?.kid;
    expect((await ops(["keys", "rotate"])).code).toBe(2);
    const rotated = await ops(["keys", "rotate", "--reason", "cli drill", "--json"]);
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ activated: next });
    const human = await ops(["keys", "list"]);
    expect(human.stdout).toMatch(/RETIRING/);
    const revoked = await ops(["keys", "revoke", next ?? "", "--reason", "cli revoke drill"]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/Revoked .*; \d+ session\(s\) must sign in again/);
    const missing = await ops(["keys", "revoke", "k-nope", "--reason", "typo"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No signing key with kid k-nope/);
  });

  it("refuses to touch keys without OPS_MASTER_KEY when DATABASE_URL is set", async () => {
    const res = await runOps({ DATABASE_URL: database.url }, ["keys", "rotate", "--reason", "no key"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/OPS_MASTER_KEY is not set/);
  });
});

describe("ops sessions", () => {
  it("revoke needs exactly one of --user / --all; --all ends every session", async () => {
    const user = await createUser(database.db, { role: "OPERATOR" });
    await database.db
      .insertInto("sessions")
      .values(
        [0, 1].map((i) => ({
          userId: user.id,
          refreshTokenHash: `h-${i}-${user.id}`,
          expiresAt: new Date(Date.now() + 3600_000),
        })),
      )
      .execute();
    const listed = await ops(["sessions", "list", "--user", user.email, "--json"]);
    expect((JSON.parse(listed.stdout) as { items: unknown[] }).items).toHaveLength(2);
    expect((await ops(["sessions", "revoke", "--reason", "x y z"])).code).toBe(2);
    const all = await ops(["sessions", "revoke", "--all", "--reason", "incident 7", "--json"]);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual({ revoked: 2 });
    expect((await ops(["sessions", "list"])).stdout).toMatch(/No live sessions/);
  });
});

describe("ops secrets", () => {
  it("a generated Razorpay secret is printed once, never listed, never audited", async () => {
    const added = await ops([
      "secrets",
      "add",
      "--provider",
      "razorpay",
      "--generate",
      "--reason",
      "new hook",
    ]);
    expect(added.code).toBe(0);
    const secret = /^ {2}(\S{32})$/m.exec(added.stdout)?.[1] ?? "";
    expect(secret).toHaveLength(32);
    expect(added.stderr).toMatch(/shown only once/);
    const list = await ops(["secrets", "list"]);
    expect(list.stdout).toMatch(/RAZORPAY/);
    expect(list.stdout + list.stderr).not.toContain(secret);
    const audit = await database.db.selectFrom("auditLog").selectAll().execute();
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it("a Stripe secret comes from stdin; the previous one expires after the overlap; expire/revoke by id", async () => {
    const first = await ops(
      ["secrets", "add", "--provider", "stripe", "--reason", "first", "--json"],
      "whsec_from_stdin_first_0001\n",
    );
    expect(first.code).toBe(0);
    const firstId = (JSON.parse(first.stdout) as { info: { id: string }; secret: null }).info.id;
    expect(first.stdout).not.toContain("whsec_from_stdin_first_0001");
    const second = await ops(
      ["secrets", "add", "--provider", "stripe", "--overlap", "1h", "--reason", "roll", "--json"],
      "whsec_from_stdin_second_0002",
    );
    const body = JSON.parse(second.stdout) as { info: { id: string }; expiring: { id: string }[] };
    expect(body.expiring.map((e) => e.id)).toEqual([firstId]);
    expect((await ops(["secrets", "add", "--provider", "stripe", "--reason", "empty"], "")).code).toBe(1);
    expect(
      (await ops(["secrets", "add", "--provider", "paypal", "--generate", "--reason", "x y"])).code,
    ).toBe(2);
    expect((await ops(["secrets", "expire", firstId, "--reason", "roll finished"])).stdout).toMatch(
      /EXPIRED/,
    );
    expect((await ops(["secrets", "revoke", body.info.id, "--reason", "leaked"])).stdout).toMatch(/REVOKED/);
  });
});

describe("ops users and flags", () => {
  it("create with --password-stdin, suspend/restore/role by email with reasons; the last admin is guarded", async () => {
    const created = await ops(
      [
        "users",
        "create",
        "--email",
        "cli-admin@example.test",
        "--name",
        "CLI Admin",
        "--role",
        "ADMIN",
        "--password-stdin",
      ],
      "a long enough password 123\n",
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/cli-admin@example.test \(CLI Admin\): ADMIN, ACTIVE/);
    // The only active admin: neither demoted nor suspended.
    const demote = await ops(["users", "role", "cli-admin@example.test", "VIEWER", "--reason", "test"]);
    expect(demote.code).toBe(1);
    expect(demote.stderr).toMatch(/last active admin/);
    expect((await ops(["users", "suspend", "cli-admin@example.test", "--reason", "test"])).stderr).toMatch(
      /last active admin/,
    );
    const op = await createUser(database.db, { role: "OPERATOR" });
    expect((await ops(["users", "suspend", op.email])).code).toBe(2);
    expect((await ops(["users", "suspend", op.email, "--reason", "left"])).stdout).toMatch(
      /SUSPENDED — left/,
    );
    expect((await ops(["users", "restore", op.email, "--reason", "back"])).stdout).toMatch(
      /OPERATOR, ACTIVE/,
    );
    expect((await ops(["users", "role", op.email, "admin", "--reason", "lead"])).stdout).toMatch(
      /ADMIN, ACTIVE/,
    );
    expect((await ops(["users", "list"])).stdout).toContain("cli-admin@example.test");
    expect((await ops(["users", "suspend", "nobody@example.test", "--reason", "x y"])).stderr).toMatch(
      /No staff user/,
    );
  });

  it("flags list and set with a reason", async () => {
    expect((await ops(["flags", "set", "maintenance_mode", "on"])).code).toBe(2);
    const set = await ops(["flags", "set", "maintenance_mode", "on", "--reason", "restore drill"]);
    expect(set.stdout).toMatch(/maintenance_mode = true/);
    const list = JSON.parse((await ops(["flags", "list", "--json"])).stdout) as {
      key: string;
      value: unknown;
    }[];
    expect(list.find((f) => f.key === "maintenance_mode")?.value).toBe(true);
    expect((await ops(["flags", "set", "maintenance_mode", "maybe", "--reason", "bad"])).code).toBe(1);
  });
});
