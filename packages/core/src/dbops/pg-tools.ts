// Finds and runs pg_dump / pg_restore: from OPS_PG_BIN_DIR when given, else PATH, else Debian's
// versioned folders. A client older than the server cannot dump it, so the major versions are
// compared before any work starts.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { DomainError } from "../errors";
import { childProcessEnv, searchPath } from "./env";

export type PgTool = "pg_dump" | "pg_restore";

function candidates(tool: PgTool, binDir: string | undefined, serverMajor: number): string[] {
  if (binDir) return [path.join(binDir, tool)];
  const fromPath = searchPath().split(path.delimiter).filter(Boolean);
  return [
    `/usr/lib/postgresql/${serverMajor}/bin/${tool}`,
    ...fromPath.map((d) => path.join(d, tool)),
    ...[17, 16, 15].map((v) => `/usr/lib/postgresql/${v}/bin/${tool}`),
  ];
}

export interface ResolvedTool {
  path: string;
  version: string;
  major: number;
}

const versionCache = new Map<string, Promise<ResolvedTool>>();

async function versionOf(bin: string): Promise<ResolvedTool> {
  const { stdout } = await runTool(bin, ["--version"]);
  const m = /(\d+)(?:\.(\d+))?/.exec(stdout);
  return { path: bin, version: stdout.trim(), major: Number(m?.[1] ?? 0) };
}

/**
 * The newest usable `tool` whose major version is at least the server's; otherwise a
 * PRECONDITION_FAILED naming the package to install.
 */
export async function resolvePgTool(
  tool: PgTool,
  serverVersionNum: number,
  binDir?: string,
): Promise<ResolvedTool> {
  const serverMajor = Math.floor(serverVersionNum / 10000);
  const found: ResolvedTool[] = [];
  for (const bin of [...new Set(candidates(tool, binDir, serverMajor))]) {
    if (!existsSync(bin)) continue;
    let p = versionCache.get(bin);
    if (!p) {
      p = versionOf(bin);
      versionCache.set(bin, p);
    }
    found.push(await p);
  }
  const usable = found.filter((t) => t.major >= serverMajor).sort((a, b) => a.major - b.major)[0];
  if (usable) return usable;
  const where = binDir ? `OPS_PG_BIN_DIR (${binDir})` : "PATH or /usr/lib/postgresql/*/bin";
  const seen = found.length ? ` Found only ${found.map((t) => t.version).join(", ")}.` : "";
  throw new DomainError(
    "PRECONDITION_FAILED",
    `${tool} ${serverMajor} or newer is needed for this PostgreSQL ${serverMajor} server and none was found in ${where}.${seen} ` +
      `Install it (Debian/Ubuntu: apt-get install postgresql-client-${serverMajor}) or set OPS_PG_BIN_DIR to its bin folder.`,
  );
}

export interface ToolResult {
  stdout: string;
  stderr: string;
}

/** Runs a tool to completion; a non-zero exit rejects with the tool's last stderr lines. */
export function runTool(
  bin: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; stdout?: NodeJS.WritableStream; signal?: AbortSignal } = {},
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      env: childProcessEnv(opts.env),
      stdio: ["ignore", "pipe", "pipe"],
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    let stdout = "";
    let stderr = "";
    if (opts.stdout) child.stdout.pipe(opts.stdout, { end: false });
    else child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8_000);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else {
        const tail = stderr.trim().split("\n").slice(-3).join(" | ");
        reject(new Error(`${path.basename(bin)} exited with ${String(code)}: ${tail || "(no message)"}`));
      }
    });
  });
}

/** libpq settings for a connection string, passed through the environment (never argv, never logged). */
export function libpqEnv(connectionString: string): NodeJS.ProcessEnv {
  const u = new URL(connectionString);
  return {
    PGHOST: decodeURIComponent(u.hostname),
    PGPORT: u.port || "5432",
    PGUSER: decodeURIComponent(u.username) || "postgres",
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)),
    PGSSLMODE: u.searchParams.get("sslmode") ?? "prefer",
    PGAPPNAME: "radha-ops-dbops",
  };
}
