// @radha/client as another repository gets it: packed, installed with npm into a scratch project
// outside the workspace, type-checked and compiled with tsc, run with plain node against a server.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { storeWebhookEvent } from "@radha/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "./testing";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
// The scratch project gets the compiler and Node types this workspace pins in its catalog.
const require = createRequire(import.meta.url);
const TYPESCRIPT = (require("typescript/package.json") as { version: string }).version;
const TYPES_NODE = (require("@types/node/package.json") as { version: string }).version;

// npm install from the registry (or its cache) and a client build inside `pnpm pack`.
const SLOW = 300_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function mustRun(cmd: string, args: string[], cwd: string): Promise<Run> {
  const result = await run(cmd, args, cwd);
  if (result.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

const CALLER = `import { createOpsClient, opsErrorCode, type OpsInputs, type OpsOutputs } from "@radha/client";

const [url, token, reference] = process.argv.slice(2);
if (!url || !token || !reference) throw new Error("usage: node main.js <url> <token> <reference>");
const ops = createOpsClient({ url, token });

const me: OpsOutputs["auth"]["me"] = await ops.auth.me.query();
const input: OpsInputs["webhooks"]["list"] = { filter: { reference }, limit: 10 };
const page = await ops.webhooks.list.query(input);
let tokensList: string | undefined;
try {
  await ops.tokens.list.query();
} catch (error) {
  tokensList = opsErrorCode(error);
}
const events = page.items.map((e) => ({ provider: e.provider, eventType: e.eventType, status: e.status }));
console.log(JSON.stringify({ kind: me.kind, role: me.role, events, tokensList }));
`;

// The API takes the payment reference as a string, and there is no OWNER role.
const WRONG_CALLER = `import { createOpsClient } from "@radha/client";

const ops = createOpsClient({ url: "http://127.0.0.1:9", token: "rso_unused" });
await ops.webhooks.list.query({ filter: { reference: 42 } });
const role: "OWNER" = (await ops.auth.me.query()).role;
console.log(role);
`;

const COMPILER_OPTIONS = {
  target: "ES2022",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  strict: true,
  // As `tsc --init` writes it: @trpc/server's own .d.ts names `ws` types it does not depend on.
  skipLibCheck: true,
  types: ["node"],
  outDir: "dist",
};

let server: TestServer;
let scratch: string;
let tarball: string;

beforeAll(async () => {
  server = await createTestServer();
  await server.listen();
  scratch = await mkdtemp(path.join(os.tmpdir(), "radha-packed-client-"));
  const packs = path.join(scratch, "packs");
  await mkdir(packs);
  await mustRun("pnpm", ["--filter", "@radha/client", "pack", "--pack-destination", packs], ROOT);
  const [file] = (await readdir(packs)).filter((f) => f.endsWith(".tgz"));
  if (!file) throw new Error(`pnpm pack left no tarball in ${packs}`);
  tarball = path.join(packs, file);

  const project = path.join(scratch, "project");
  await mkdir(project);
  await writeFile(
    path.join(project, "package.json"),
    JSON.stringify({ name: "ops-caller", private: true, type: "module" }),
  );
  await writeFile(
    path.join(project, "tsconfig.json"),
    JSON.stringify({ compilerOptions: COMPILER_OPTIONS, files: ["main.ts"] }),
  );
  await writeFile(
    path.join(project, "tsconfig.wrong.json"),
    JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { noEmit: true }, files: ["wrong.ts"] }),
  );
  await writeFile(path.join(project, "main.ts"), CALLER);
  await writeFile(path.join(project, "wrong.ts"), WRONG_CALLER);
  await mustRun(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      tarball,
      `typescript@${TYPESCRIPT}`,
      `@types/node@${TYPES_NODE}`,
    ],
    project,
  );
}, SLOW);

afterAll(async () => {
  await server.close();
  await rm(scratch, { recursive: true, force: true });
});

const project = () => path.join(scratch, "project");
const tsc = (...args: string[]) =>
  run(process.execPath, [path.join(project(), "node_modules/typescript/bin/tsc"), ...args], project());

describe("the packed @radha/client", () => {
  it("ships dist/ with one self-contained .d.ts and depends at run time on the tRPC client and server only", async () => {
    const installed = path.join(project(), "node_modules/@radha/client");
    const manifest = JSON.parse(await readFile(path.join(installed, "package.json"), "utf8")) as {
      version: string;
      exports: unknown;
      dependencies: Record<string, string>;
    };
    expect(manifest.version).toBe("0.1.0");
    expect(manifest.exports).toEqual({ ".": { types: "./dist/index.d.ts", import: "./dist/index.js" } });
    expect(Object.keys(manifest.dependencies).sort()).toEqual(["@trpc/client", "@trpc/server"]);
    expect((await readdir(path.join(installed, "dist"))).sort()).toEqual(["index.d.ts", "index.js"]);
    // Types and code import nothing but tRPC: no workspace source, no database or zod types.
    for (const file of ["index.d.ts", "index.js"]) {
      const text = await readFile(path.join(installed, "dist", file), "utf8");
      const imported = [...text.matchAll(/(?:from |import\()"([^"]+)"/g)].map((m) => m[1]);
      expect(new Set(imported)).toEqual(
        new Set(["@trpc/client", ...(file === "index.d.ts" ? ["@trpc/server"] : [])]),
      );
    }
    expect(existsSync(path.join(project(), "node_modules/@radha/api"))).toBe(false);
  });

  it(
    "type-checks a caller and rejects a wrong input type",
    async () => {
      const ok = await tsc("--noEmit", "-p", "tsconfig.json");
      expect(ok.stdout + ok.stderr).toBe("");
      expect(ok.code).toBe(0);

      const wrong = await tsc("-p", "tsconfig.wrong.json");
      expect(wrong.code).not.toBe(0);
      expect(wrong.stdout).toMatch(
        /wrong\.ts\(4,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/,
      );
      expect(wrong.stdout).toMatch(
        /wrong\.ts\(5,\d+\): error TS2322: Type '"[A-Z]+"( \| "[A-Z]+")+' is not assignable to type '"OWNER"'/,
      );
    },
    SLOW,
  );

  it(
    "runs the compiled caller with node against a live server, using a service token",
    async () => {
      await storeWebhookEvent(server.database.db, {
        provider: "STRIPE",
        payload: { id: "evt_packed_client", type: "payment_intent.succeeded" },
        paymentReference: "pi_packed_client",
        status: "PROCESSED",
      });
      const compiled = await tsc("-p", "tsconfig.json");
      expect(compiled.code).toBe(0);

      const token = await server.serviceToken("VIEWER");
      const result = await mustRun(
        process.execPath,
        [path.join(project(), "dist/main.js"), server.url, token, "pi_packed_client"],
        project(),
      );
      expect(JSON.parse(result.stdout)).toEqual({
        kind: "service",
        role: "VIEWER",
        events: [{ provider: "STRIPE", eventType: "payment_intent.succeeded", status: "PROCESSED" }],
        tokensList: "FORBIDDEN",
      });
    },
    SLOW,
  );
});
