// `ops channels …` as a child process: secrets come in on stdin only, are stored sealed, and are
// never printed back; test, disable and remove work on what `list` shows.
import { sql } from "kysely";
import { createTestDatabase, TEST_MASTER_KEY_BASE64, type TestDatabase } from "@radha/core/testing";
import type { TChannel, TDelivery } from "@radha/core/monitoring/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOps } from "./testing";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const env = () => ({ DATABASE_URL: database.url, OPS_MASTER_KEY: TEST_MASTER_KEY_BASE64 });
const ops = (args: string[], stdin = "") => runOps(env(), args, stdin);
const SLACK_URL = "https://hooks.slack.test/services/T000/B000/xoxbSECRETtoken9abcd";

describe("ops channels", () => {
  it("add (secrets from stdin) → list → test → disable → remove", async () => {
    const slack = await ops(
      ["channels", "add", "--kind", "slack", "--name", "ops-room", "--severity", "P0,P1"],
      SLACK_URL,
    );
    expect(slack.code, slack.stderr).toBe(0);
    expect(slack.stdout).toContain("hooks.slack.test/…abcd");
    expect(slack.stdout).not.toContain("xoxbSECRETtoken");

    const mail = await ops(
      [
        "channels",
        "add",
        "--kind",
        "email",
        "--name",
        "oncall",
        "--to",
        "oncall@radha.test,owner@radha.test",
        "--from",
        "ops@radha.test",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        "2525",
        "--smtp-user",
        "alerts",
        "--password-stdin",
        "--json",
      ],
      "smtp-Pa55word\n",
    );
    expect(mail.code, mail.stderr).toBe(0);
    const created = JSON.parse(mail.stdout) as { channel: TChannel };
    expect(created.channel.email).toMatchObject({ smtpUser: "alerts", hasPassword: true, smtpPort: 2525 });
    expect(mail.stdout).not.toContain("smtp-Pa55word");

    const hook = await ops(
      ["channels", "add", "--kind", "webhook", "--name", "pager"],
      "http://127.0.0.1:9/hook\n",
    );
    expect(hook.code, hook.stderr).toBe(0);
    expect(hook.stdout).toMatch(/whsec_[\w-]{20,}/);

    const listed = await ops(["channels", "list", "--json"]);
    const list = JSON.parse(listed.stdout) as TChannel[];
    expect(list.map((c) => c.name)).toEqual(["oncall", "ops-room", "pager"]);
    const human = (await ops(["channels", "list"])).stdout;
    expect(human).toContain("hooks.slack.test/…abcd");
    for (const secret of ["xoxbSECRETtoken", "smtp-Pa55word", "whsec_"])
      expect(listed.stdout + human).not.toContain(secret);
    const { rows } = await sql<{
      row: string;
    }>`SELECT row_to_json(c)::text AS row FROM notification_channels c`.execute(database.db);
    expect(rows.map((r) => r.row).join()).not.toMatch(/xoxbSECRETtoken|smtp-Pa55word|whsec_/);

    // A URL on the command line is refused: there is no option for it.
    const argv = await ops(["channels", "add", "--kind", "slack", "--name", "x", "--url", SLACK_URL]);
    expect(argv.code).not.toBe(0);

    const slackId = list.find((c) => c.name === "ops-room")?.id ?? "";
    const tested = await ops(["channels", "test", slackId, "--json"]);
    expect(tested.code, tested.stderr).toBe(0);
    expect(JSON.parse(tested.stdout) as TDelivery).toMatchObject({
      channelName: "ops-room",
      event: "TEST",
      status: "PENDING",
    });

    expect((await ops(["channels", "disable", slackId])).stdout).toContain('Channel "ops-room" is disabled.');
    expect((await ops(["channels", "remove", slackId])).code).toBe(0);
    const after = JSON.parse((await ops(["channels", "list", "--json"])).stdout) as TChannel[];
    expect(after.map((c) => c.name)).toEqual(["oncall", "pager"]);
  }, 240_000);

  it("explains a missing setting and a secret not piped", async () => {
    const noTo = await ops([
      "channels",
      "add",
      "--kind",
      "email",
      "--name",
      "m",
      "--from",
      "a@b.test",
      "--smtp-host",
      "h",
    ]);
    expect(noTo.code).not.toBe(0);
    expect(noTo.stderr).toContain("--to is required for an email channel");
    const noUrl = await ops(["channels", "add", "--kind", "slack", "--name", "s"]);
    expect(noUrl.code).not.toBe(0);
    expect(noUrl.stderr).toMatch(/no slack URL on stdin/);
  }, 120_000);
});
