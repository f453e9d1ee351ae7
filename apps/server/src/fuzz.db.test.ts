// Property-based fuzz of every tRPC procedure through the real HTTP server, signed in as an ADMIN:
// inputs generated from each procedure's zod input schema (via its JSON Schema) mixed with
// hostile strings, numbers, cursors and whole values. No input may produce a 5xx. Procedures are
// discovered from the root router, so new ones are fuzzed without being listed here.
import { appRouter } from "@radha/api";
import { encodeCursor } from "@radha/core/pagination";
import { createUser, TEST_PASSWORD } from "@radha/core/testing";
import { seedDemoData } from "@radha/dev-db";
import fc from "fast-check";
import { z } from "zod";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestServer, type TestServer } from "./testing";

interface ProcedureDef {
  type: "query" | "mutation" | "subscription";
  inputs: unknown[];
}
// At run time tRPC keeps a flat map of dotted paths to procedures (its type says nested).
const procedures = appRouter._def.procedures as unknown as Record<string, { _def: ProcedureDef }>;
const RUNS_PER_PROCEDURE = 40;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  maxItems?: number;
  minItems?: number;
  enum?: Json[];
  const?: Json;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

const year = (y: number) => `${y < 0 ? "-" : "+"}${String(Math.abs(y)).padStart(6, "0")}-04-20T00:00:00.000Z`;
const HOSTILE_STRINGS = [
  "\u0000",
  "a\u0000b",
  "\uD800",
  "99999999999999999999",
  "-9223372036854775809",
  "9999999999d",
  "99999999999999999999m",
  year(-271821),
  year(275760),
  "0000-00-00T00:00:00Z",
  "2026-02-30T25:61:61Z",
  "9999-12-31T23:59:59.999999Z",
  "1e309",
  "NaN",
  "",
  " ",
  "x".repeat(5000),
  "'; select pg_sleep(1); --",
  "../../etc/passwd",
  "=cmd|' /C calc'!A0",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  encodeCursor(["99999999999999999999"]),
  encodeCursor(["-271821-04-20T00:00:00.000000Z", "00000000-0000-0000-0000-000000000000"]),
  encodeCursor(["2026-02-30T00:00:00.000000Z", "00000000-0000-0000-0000-000000000000"]),
  encodeCursor(["\u0000", "\u0000"]),
  encodeCursor([1e308, "x"]),
];
const HOSTILE_NUMBERS = [0, -1, 0.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308];

const hostileString = fc.constantFrom(...HOSTILE_STRINGS);
const hostileNumber = fc.constantFrom(...HOSTILE_NUMBERS);
const anyJson: fc.Arbitrary<Json> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.constant(null),
  fc.boolean(),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), hostileString, { maxKeys: 3 }),
);

/** Hostile strings that still fit the field's length bounds (padded to its minimum). */
function hostileStringFor(s: JsonSchema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? Number.MAX_SAFE_INTEGER;
  return hostileString
    .map((h) => (h.length < min ? "abcdefgh".slice(0, min - h.length) + h : h))
    .filter((h) => h.length <= max);
}

function stringArbitrary(s: JsonSchema): fc.Arbitrary<string> {
  if (s.format === "uuid")
    return fc.oneof(
      fc.uuid(),
      fc.constantFrom("00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"),
    );
  if (s.format === "date-time") return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  if (s.format === "email") return fc.emailAddress();
  const minLength = Math.min(s.minLength ?? 0, 50);
  const plain = fc.string({ minLength, maxLength: Math.max(minLength, Math.min(s.maxLength ?? 60, 60)) });
  return fc.oneof(plain, hostileStringFor(s));
}

function integerArbitrary(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = s.minimum ?? -Number.MAX_SAFE_INTEGER;
  const max = s.maximum ?? Number.MAX_SAFE_INTEGER;
  const edges = fc.constantFrom(
    ...[min, max, 0, 1, 2 ** 31, 2 ** 53 - 1].filter((n) => n >= min && n <= max),
  );
  const any = integer
    ? fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) })
    : fc.double({ min, max, noNaN: true });
  return fc.oneof(any, edges);
}

/** Values of `s`'s type within its bounds: typed right, hostile in content (NUL, huge, edge). */
function arbitraryFor(s: JsonSchema, depth = 0): fc.Arbitrary<Json> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const union = s.anyOf ?? s.oneOf;
  if (union?.length) return fc.oneof(...union.map((u) => arbitraryFor(u, depth + 1)));
  if (s.allOf?.[0]) return arbitraryFor(s.allOf[0], depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case "string":
      return stringArbitrary(s);
    case "integer":
    case "number":
      return integerArbitrary(s, type === "integer");
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      if (depth > 4) return fc.constant([]);
      return fc.array(arbitraryFor(s.items ?? {}, depth + 1), {
        minLength: Math.min(s.minItems ?? 0, 5),
        maxLength: Math.min(s.maxItems ?? 5, 5),
      });
    case "object": {
      if (depth > 4) return fc.constant({});
      const props = s.properties ?? {};
      const keys = Object.keys(props);
      return fc.record(Object.fromEntries(keys.map((k) => [k, arbitraryFor(props[k] ?? {}, depth + 1)])), {
        requiredKeys: (s.required ?? []).filter((k) => keys.includes(k)),
      });
    }
    default:
      return anyJson;
  }
}

/** Mostly well-typed inputs; some with one top-level field replaced by anything; a few wholly wrong. */
function inputArbitrary(def: ProcedureDef): fc.Arbitrary<Json | undefined> {
  const schema = def.inputs[0];
  if (!(schema instanceof z.ZodType)) return fc.oneof(fc.constant(undefined), anyJson);
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const typed = arbitraryFor(json);
  const keys = Object.keys(json.properties ?? {});
  const oneFieldWrong = keys.length
    ? fc
        .tuple(typed, fc.constantFrom(...keys), anyJson)
        .map(([o, k, v]) => (o && typeof o === "object" && !Array.isArray(o) ? { ...o, [k]: v } : o))
    : anyJson;
  return fc.oneof(
    { arbitrary: typed, weight: 7 },
    { arbitrary: oneFieldWrong, weight: 2 },
    { arbitrary: anyJson, weight: 1 },
  );
}

/**
 * Inputs that would stop the system for every later call (restore_in_progress refuses all ops
 * changes with 503 until a restore clears it): not fuzz material, the restore tests cover it.
 */
function stopsTheSystem(path: string, input: Json | undefined): boolean {
  if (path !== "system.setFlag" || !input || typeof input !== "object" || Array.isArray(input)) return false;
  return input.key === "restore_in_progress" && input.value !== false;
}

let s: TestServer;
let bearer = "";
async function signInAdmin(): Promise<void> {
  const user = await createUser(s.database.db, { role: "ADMIN" });
  const ip = `10.0.${String(Math.floor(Math.random() * 250))}.${String(Math.floor(Math.random() * 250))}`;
  const tokens = await s.deps.auth.login({ email: user.email, password: TEST_PASSWORD }, { ip });
  bearer = tokens.accessToken;
}

beforeAll(async () => {
  s = await createTestServer();
  await seedDemoData(s.database.db, { demoStaff: false });
  await s.listen();
  await signInAdmin();
});
afterAll(() => s.close());

async function call(path: string, def: ProcedureDef, input: Json | undefined): Promise<Response> {
  const headers = { authorization: `Bearer ${bearer}`, "content-type": "application/json" };
  const url = `${s.url}/api/trpc/${path}`;
  if (def.type === "query") {
    const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return fetch(url + query, { headers });
  }
  return fetch(url, {
    method: "POST",
    headers,
    body: input === undefined ? undefined : JSON.stringify(input),
  });
}

async function stillAdmin(): Promise<boolean> {
  const res = await fetch(`${s.url}/api/trpc/users.list`, { headers: { authorization: `Bearer ${bearer}` } });
  return res.ok;
}

it("no generated or hostile input makes any procedure answer 5xx", { timeout: 600_000 }, async () => {
  const paths = Object.keys(procedures).filter((p) => procedures[p]?._def.type !== "subscription");
  expect(paths.length).toBeGreaterThan(10);
  let tried = 0;
  const statuses = new Map<number, number>();
  const failures: { path: string; status: number; input: string; body: string }[] = [];
  for (const path of paths) {
    const def = procedures[path]?._def;
    if (!def) continue;
    await fc.assert(
      fc.asyncProperty(
        inputArbitrary(def).filter((input) => !stopsTheSystem(path, input)),
        async (input) => {
          tried++;
          let res = await call(path, def, input);
          // A procedure may have signed us out (logout, suspending or demoting ourselves): again.
          if ((res.status === 401 || res.status === 403) && !(await stillAdmin())) {
            await signInAdmin();
            res = await call(path, def, input);
          }
          const body = await res.text();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500)
            failures.push({
              path,
              status: res.status,
              input: JSON.stringify(input).slice(0, 200),
              body: body.slice(0, 200),
            });
          return true;
        },
      ),
      { numRuns: RUNS_PER_PROCEDURE },
    );
  }
  const byPath = [...new Set(failures.map((f) => f.path))];
  console.log(
    `fuzz: ${paths.length} procedures, ${tried} inputs tried, ${failures.length} 5xx seen` +
      (byPath.length ? ` (in ${byPath.join(", ")})` : "") +
      `; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
  expect(failures.slice(0, 20)).toEqual([]);
});
