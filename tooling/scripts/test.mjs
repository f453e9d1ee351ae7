// `npm test`: lint, typecheck, every test suite and the browser journeys, against real services.
// DATABASE_URL / REDIS_URL when set (CI sets both and they must answer); otherwise an embedded
// Postgres for the run and Redis-backed tests only where REDIS_URL exists.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { checkNode, ensurePnpm, install, log, ROOT, runSync } from "./bootstrap.mjs";

checkNode();
const pnpm = ensurePnpm();
install(pnpm);
const px = (args, opts) => runSync(pnpm[0], [...pnpm.slice(1), ...args], opts);

for (const dir of listPackages()) rmSync(path.join(dir, "test-results"), { recursive: true, force: true });

log("checking formatting (prettier)");
px(["format:check"]);

log("checking services");
px(["--filter", "@radha/scripts", "exec", "tsx", "services.ts", "check"]);

const turboArgs = [
  "exec",
  "turbo",
  "run",
  "lint",
  "typecheck",
  "test",
  "e2e",
  "--concurrency=2",
  "--continue",
  "--output-logs=errors-only",
];
let status = 0;
if (process.env.DATABASE_URL) {
  status = spawnSync(pnpm[0], [...pnpm.slice(1), ...turboArgs], { stdio: "inherit", cwd: ROOT }).status ?? 1;
} else {
  log("DATABASE_URL is unset: running the suite against an embedded PostgreSQL");
  status =
    spawnSync(
      pnpm[0],
      [
        ...pnpm.slice(1),
        "--filter",
        "@radha/scripts",
        "exec",
        "tsx",
        "services.ts",
        "with-embedded",
        "--",
        pnpm.join(" "),
        ...turboArgs,
      ],
      { stdio: "inherit", cwd: ROOT },
    ).status ?? 1;
}

const totals = summarize();
console.log("");
console.log(
  `Tests: ${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ""}`,
);
if (status !== 0 && totals.failed === 0) {
  console.error(
    "A task failed outside the test counts (lint, typecheck, a build or an unhandled error in a test run): see above.",
  );
}
if (totals.skipped > 0 && status === 0) {
  console.error("Skipped tests are not allowed: every test must run.");
  status = 1;
}
if (totals.passed === 0 && status === 0) {
  console.error("No test ran.");
  status = 1;
}
process.exit(status);

function listPackages() {
  return ["apps", "packages", "tooling"].flatMap((group) => {
    const dir = path.join(ROOT, group);
    return existsSync(dir) ? readdirSync(dir).map((name) => path.join(dir, name)) : [];
  });
}

/** Adds up the JSON reports every vitest run writes to <package>/test-results/*.json. */
function summarize() {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  for (const dir of listPackages()) {
    const results = path.join(dir, "test-results");
    if (!existsSync(results)) continue;
    for (const file of readdirSync(results).filter((f) => f.endsWith(".json"))) {
      const report = JSON.parse(readFileSync(path.join(results, file), "utf8"));
      totals.passed += report.numPassedTests ?? 0;
      totals.failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
      totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    }
  }
  return totals;
}
