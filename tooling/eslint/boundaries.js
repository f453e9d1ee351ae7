// Dependency direction between workspace packages, as lint rules: core ← api ← server;
// console → api (types only) + core's browser-safe schema modules (and zod-free roles); client → api (types only);
// cli → core (+ dev-db for its local mode). No package imports an app.
import tseslint from "typescript-eslint";
import { ENV_SYNTAX_RESTRICTIONS } from "./index.js";

const APPS = [
  "@radha/server",
  "@radha/server/*",
  "@radha/console",
  "@radha/console/*",
  "@radha/cli",
  "@radha/cli/*",
];
const NOT_AN_APP = {
  group: APPS,
  message: "Packages and apps never import an app: move the shared code into a package.",
};
const HTTP_AND_UI = ["fastify", "@fastify/*", "@trpc/*", "react", "react-dom", "react-router", "commander"];
/** Modules the console may load in the browser: schema files, the error codes and the zod-free roles. */
const BROWSER_SAFE_CORE = String.raw`^@radha/core(?!/[a-z-]+/schema$|/errors$|/security/roles$)`;

const deny = (group, message, extra = {}) => ({ group, message, ...extra });

/** Restricted import patterns per package, for source files (tests add `testAllow`). */
const RULES = {
  "@radha/core": {
    patterns: [
      NOT_AN_APP,
      deny(
        ["@radha/api", "@radha/api/*", "@radha/client", "@radha/client/*"],
        "core is the bottom layer: api and client build on it.",
      ),
      deny(
        ["@radha/dev-db", "@radha/dev-db/*"],
        "dev-db is development-only and depends on core, not the other way.",
      ),
      deny(HTTP_AND_UI, "core knows nothing of HTTP, tRPC, React or the CLI."),
    ],
  },
  "@radha/api": {
    patterns: [
      NOT_AN_APP,
      deny(
        ["@radha/client", "@radha/client/*", "@radha/dev-db", "@radha/dev-db/*"],
        "api depends on core only.",
      ),
      deny(
        ["fastify", "@fastify/*", "react", "react-dom", "commander"],
        "api is framework-free: the server adapts HTTP to it.",
      ),
    ],
  },
  "@radha/dev-db": {
    patterns: [
      NOT_AN_APP,
      deny(["@radha/api", "@radha/api/*", "@radha/client"], "dev-db depends on core only."),
    ],
  },
  "@radha/client": {
    patterns: [
      NOT_AN_APP,
      deny(["@radha/api", "@radha/api/*"], "The client imports the router's type only.", {
        allowTypeImports: true,
      }),
      deny(
        ["@radha/core", "@radha/core/*", "@radha/dev-db", "@radha/dev-db/*"],
        "The client is installable alone.",
      ),
    ],
  },
  "@radha/server": {
    patterns: [
      deny(
        ["@radha/console", "@radha/console/*", "@radha/cli", "@radha/cli/*", "@radha/client"],
        "The server depends on core and api.",
      ),
    ],
    testAllow: ["@radha/client"],
  },
  "@radha/console": {
    patterns: [
      deny(
        ["@radha/server", "@radha/server/*", "@radha/cli", "@radha/cli/*", "@radha/client", "@radha/dev-db"],
        "The console talks to the server over HTTP only.",
      ),
      deny(["@radha/api", "@radha/api/*"], "The console imports the router's type only.", {
        allowTypeImports: true,
      }),
      {
        regex: BROWSER_SAFE_CORE,
        message:
          "The console may import only core's browser-safe schema modules (@radha/core/<domain>/schema).",
      },
    ],
    // Browser journeys boot a real server and seed it: the whole system is their subject.
    testAllow: ["@radha/server", "@radha/server/*", "@radha/dev-db"],
    testAllowAnyCore: true,
  },
  "@radha/cli": {
    patterns: [
      NOT_AN_APP,
      deny(
        ["@radha/api", "@radha/api/*", "@radha/client", "@radha/client/*"],
        "The CLI calls core services directly.",
      ),
    ],
  },
};

/** core's schema modules are loaded by the browser: no Node or server-only libraries. */
const SCHEMA_MODULE_PATTERNS = [
  deny(
    [
      "node:*",
      "pg",
      "kysely",
      "ioredis",
      "jose",
      "stripe",
      "razorpay",
      "graphile-worker",
      "csv-parse",
      "csv-stringify",
    ],
    "Schema modules are browser-safe: keep Node and server libraries out.",
  ),
];

/** Another package's source reached by a relative path skips every rule above. */
const NO_REACHING_ACROSS = {
  regex: String.raw`(^|/)(apps|packages|tooling)/[^/]+/(src|bin|e2e)(/|$)`,
  message: "Import another package by its name (@radha/…), never by a path into its sources.",
};

/** `import()` and `require()` of an app or of a package this one may not use; static imports are the rule's. */
function dynamicImportRestrictions(name) {
  const banned =
    name === "@radha/server"
      ? "console|cli|client"
      : name === "@radha/console"
        ? "server|cli|client|dev-db|core\\/(?![a-z-]+\\/schema$)"
        : "server|console|cli";
  const message = "This import breaks the dependency direction (see tooling/eslint/boundaries.js).";
  return [
    { selector: `ImportExpression[source.value=/^@radha\\/(${banned})/]`, message },
    { selector: `CallExpression[callee.name='require'][arguments.0.value=/^@radha\\/(${banned})/]`, message },
  ];
}

/** Services hold use-cases; their SQL lives in `<domain>.queries.ts`. */
const servicesCallQueries = (name) => ({
  files: ["src/**/*.service.ts"],
  rules: {
    "no-restricted-syntax": [
      "error",
      ...ENV_SYNTAX_RESTRICTIONS,
      ...dynamicImportRestrictions(name),
      {
        selector:
          "CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|with)$/]",
        message: "Services call query functions: put this Kysely query in <domain>.queries.ts.",
      },
      {
        selector: "TaggedTemplateExpression[tag.name='sql']",
        message: "Services call query functions: put this SQL in <domain>.queries.ts.",
      },
    ],
  },
});

const TEST_FILES = ["**/*.test.ts", "**/*.test.tsx", "e2e/**", "**/testing.ts", "**/testing/**", "bench/**"];

function restrict(patterns) {
  return {
    "@typescript-eslint/no-restricted-imports": ["error", { patterns: [...patterns, NO_REACHING_ACROSS] }],
  };
}

/** Flat-config blocks holding package `name` to its place in the dependency direction. */
export function boundaries(name) {
  const rules = RULES[name];
  if (!rules) throw new Error(`boundaries: unknown package ${name}`);
  const allowedInTests = new Set(rules.testAllow ?? []);
  const testPatterns = rules.patterns
    .map((p) => (p.group ? { ...p, group: p.group.filter((g) => !allowedInTests.has(g)) } : p))
    .filter((p) => (p.group ? p.group.length > 0 : !rules.testAllowAnyCore));
  const blocks = [
    {
      files: ["**/*.ts", "**/*.tsx"],
      plugins: { "@typescript-eslint": tseslint.plugin },
      rules: {
        ...restrict(rules.patterns),
        // Keeps the base config's process.env restrictions: a rule set here replaces them.
        "no-restricted-syntax": ["error", ...ENV_SYNTAX_RESTRICTIONS, ...dynamicImportRestrictions(name)],
      },
    },
    { files: TEST_FILES, rules: restrict(testPatterns) },
  ];
  if (name === "@radha/core") {
    blocks.push(servicesCallQueries(name), {
      files: ["src/**/*.schema.ts", "src/errors.ts"],
      rules: restrict([...rules.patterns, ...SCHEMA_MODULE_PATTERNS]),
    });
  }
  return blocks;
}
