// Shared by `npm run up` and `npm test`: runs on a machine with only Node 20 + npm, so it uses
// nothing but Node's standard library. Ensures pnpm, installs the workspace, runs commands.
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PNPM_VERSION = "12.4.2";

export function log(message) {
  console.log(`\x1b[1m[radha-ops]\x1b[0m ${message}`);
}

export function checkNode() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    console.error(`Node ${process.versions.node} is too old: install Node 20.19+ (or 22+).`);
    process.exit(1);
  }
}

/** Returns the command that runs pnpm PNPM_VERSION, installing it with npm if needed. */
export function ensurePnpm() {
  const current = spawnSync("pnpm", ["--version"], { encoding: "utf8" });
  if (current.status === 0 && current.stdout.trim() === PNPM_VERSION) return ["pnpm"];
  log(`installing pnpm ${PNPM_VERSION} with npm`);
  const global = spawnSync("npm", ["install", "-g", `pnpm@${PNPM_VERSION}`], { stdio: "inherit" });
  const after = spawnSync("pnpm", ["--version"], { encoding: "utf8" });
  if (global.status === 0 && after.status === 0 && after.stdout.trim() === PNPM_VERSION) return ["pnpm"];
  log(`a global install was not possible; using npx pnpm@${PNPM_VERSION}`);
  return ["npx", "--yes", `pnpm@${PNPM_VERSION}`];
}

export function runSync(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { stdio: "inherit", cwd: ROOT, ...opts });
  if (res.status !== 0) {
    console.error(`\n${[cmd, ...args].join(" ")} failed (exit ${res.status ?? res.signal}).`);
    process.exit(res.status ?? 1);
  }
}

export function install(pnpm) {
  log("installing dependencies (pnpm install --frozen-lockfile)");
  runSync(pnpm[0], [...pnpm.slice(1), "install", "--frozen-lockfile"]);
}

/** Runs a long-lived child with inherited stdio, forwarding signals; exits with its code. */
export function handOver(cmd, args, env = process.env) {
  const child = spawn(cmd, args, { stdio: "inherit", cwd: ROOT, env });
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/**
 * Builds workspace packages with turbo: a cache hit when nothing they bundle changed. Quiet, so
 * the output of what runs next stays clean; turbo's log is shown only when the build fails.
 */
export function buildQuietly(packages) {
  const turbo = path.join(ROOT, "node_modules", ".bin", "turbo");
  const args = ["run", "build", ...packages.map((p) => `--filter=${p}`), "--output-logs=errors-only"];
  const res = spawnSync(turbo, args, { cwd: ROOT, encoding: "utf8" });
  if (res.status === 0) return;
  if (res.error) console.error(`${res.error.message}: run \`npm run up\` (or \`pnpm install\`) first.`);
  else process.stderr.write(`${res.stdout}${res.stderr}`);
  console.error(`\nbuilding ${packages.join(", ")} failed.`);
  process.exit(res.status ?? 1);
}

/** `npm run up` and `pnpm start`: rebuilds what is stale, then runs the compiled server here. */
export function buildAndStartServer() {
  log("building the server and the console");
  buildQuietly(["@radha/server", "@radha/console"]);
  log("starting the server (Ctrl-C stops it)");
  // The V8 flags as in apps/server's `start` script (see its README).
  handOver(process.execPath, [
    "--enable-source-maps",
    "--max-old-space-size=1024",
    "apps/server/dist/main.mjs",
  ]);
}
