// The dependency direction holds: a wrong import is a lint error, a right one is not.
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";
import { boundaries } from "./boundaries.js";

async function lint(pkg, code, filePath = "src/x.ts") {
  const eslint = new ESLint({
    cwd: "/virtual",
    overrideConfigFile: true,
    overrideConfig: [
      { files: ["**/*.ts", "**/*.tsx"], languageOptions: { parser: tseslint.parser } },
      ...boundaries(pkg),
    ],
  });
  const [result] = await eslint.lintText(code, { filePath: `/virtual/${filePath}` });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const RULE = "@typescript-eslint/no-restricted-imports";

describe("package boundaries", () => {
  it("keeps core below api, dev-db and every framework", async () => {
    expect(await lint("@radha/core", `import { appRouter } from "@radha/api";`)).toEqual([
      expect.stringContaining(RULE),
    ]);
    expect(await lint("@radha/core", `import Fastify from "fastify";`)).toEqual([
      expect.stringContaining("knows nothing of HTTP"),
    ]);
    expect(await lint("@radha/core", `import { seedDemoData } from "@radha/dev-db";`)).toHaveLength(1);
    expect(await lint("@radha/core", `import { sql } from "kysely";`)).toEqual([]);
  });

  it("catches dynamic imports, require() and paths into another package's sources", async () => {
    expect(await lint("@radha/core", `const m = await import("@radha/server/app");`)).toHaveLength(1);
    expect(await lint("@radha/api", `const m = require("@radha/cli");`)).toHaveLength(1);
    expect(
      await lint("@radha/core", `import { buildApp } from "../../../apps/server/src/app";`),
    ).toHaveLength(1);
    expect(
      await lint("@radha/console", `const m = await import("@radha/core/db");`, "src/a.tsx"),
    ).toHaveLength(1);
    expect(
      await lint("@radha/console", `const m = await import("@radha/core/inventory/schema");`, "src/a.tsx"),
    ).toEqual([]);
    // The server loads the dev-only database lazily, by design.
    expect(await lint("@radha/server", `const m = await import("@radha/dev-db");`, "src/main.ts")).toEqual(
      [],
    );
    expect(await lint("@radha/core", `import { x } from "./x";`, "src/inventory/a.ts")).toEqual([]);
  });

  it("keeps process.env out of services too", async () => {
    const code = `export const url = globalThis.process.env.DATABASE_URL;`;
    expect(await lint("@radha/core", code, "src/security/users.service.ts")).toHaveLength(1);
  });

  it("keeps SQL out of core's services", async () => {
    const query = `export const f = (db) => db.selectFrom("users").selectAll().execute();`;
    expect(await lint("@radha/core", query, "src/security/users.service.ts")).toEqual([
      expect.stringContaining("queries.ts"),
    ]);
    expect(await lint("@radha/core", query, "src/security/security.queries.ts")).toEqual([]);
  });

  it("keeps core's schema modules browser-safe", async () => {
    expect(
      await lint(
        "@radha/core",
        `import { readFileSync } from "node:fs";`,
        "src/inventory/inventory.schema.ts",
      ),
    ).toHaveLength(1);
    expect(
      await lint("@radha/core", `import { z } from "zod";`, "src/inventory/inventory.schema.ts"),
    ).toEqual([]);
  });

  it("lets no package import an app", async () => {
    for (const pkg of ["@radha/core", "@radha/api", "@radha/client", "@radha/dev-db", "@radha/cli"]) {
      expect(await lint(pkg, `import { buildApp } from "@radha/server/app";`), pkg).toEqual([
        expect.stringContaining("never import an app"),
      ]);
    }
  });

  it("lets the console and the client import the router's type, never its code", async () => {
    for (const pkg of ["@radha/console", "@radha/client"]) {
      expect(await lint(pkg, `import type { AppRouter } from "@radha/api/router";`, "src/a.tsx")).toEqual([]);
      expect(await lint(pkg, `import { appRouter } from "@radha/api/router";`, "src/a.tsx")).toHaveLength(1);
    }
  });

  it("lets the console reach core's schema modules only", async () => {
    expect(
      await lint(
        "@radha/console",
        `import { ZStockQuery } from "@radha/core/inventory/schema";`,
        "src/a.tsx",
      ),
    ).toEqual([]);
    expect(
      await lint("@radha/console", `import { roleAtLeast } from "@radha/core/security/roles";`, "src/a.tsx"),
    ).toEqual([]);
    expect(await lint("@radha/console", `import { createDb } from "@radha/core/db";`, "src/a.tsx")).toEqual([
      expect.stringContaining("browser-safe"),
    ]);
    expect(
      await lint("@radha/console", `import { createTestServer } from "@radha/server/testing";`, "src/a.tsx"),
    ).toHaveLength(1);
    // Browser journeys boot a whole server: allowed in e2e only.
    expect(
      await lint(
        "@radha/console",
        `import { createTestServer } from "@radha/server/testing";`,
        "e2e/j.e2e.test.ts",
      ),
    ).toEqual([]);
  });

  it("keeps the CLI on core, and the server off the client outside its tests", async () => {
    expect(await lint("@radha/cli", `import { appRouter } from "@radha/api";`)).toHaveLength(1);
    expect(await lint("@radha/server", `import { createOpsClient } from "@radha/client";`)).toHaveLength(1);
    expect(
      await lint(
        "@radha/server",
        `import { createOpsClient } from "@radha/client";`,
        "src/client.db.test.ts",
      ),
    ).toEqual([]);
  });
});
