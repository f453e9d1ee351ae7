// The backup catalog lives beside the dumps in OPS_BACKUP_DIR, not in the database it backs up: a
// restore swaps that database for an older one and must not forget the backups, verifications,
// drills and restore reports made since. Each backup is `<id>.dump` + `<id>.json` (manifest) +
// `<id>.verifications.jsonl` (one line per verification); drills and restore reports are JSON files.
import { createReadStream } from "node:fs";
import { appendFile, mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import type { TBackup, TBackupManifest, TDrill, TRestoreReport, TVerification } from "./dbops.schema";

export function newOpsId(prefix: "bk" | "vf" | "dr" | "rs", at = new Date()): string {
  const t = at.toISOString().replace(/[-:.]/g, "");
  return `${prefix}_${t}_${randomBytes(3).toString("hex")}`;
}

export function backupPaths(dir: string, id: string) {
  return {
    dump: path.join(dir, `${id}.dump`),
    manifest: path.join(dir, `${id}.json`),
    verifications: path.join(dir, `${id}.verifications.jsonl`),
  };
}

async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2));
  await rename(tmp, file);
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

export async function writeManifest(dir: string, manifest: TBackupManifest): Promise<void> {
  await writeJsonAtomic(backupPaths(dir, manifest.id).manifest, manifest);
}

export async function readVerifications(dir: string, id: string): Promise<TVerification[]> {
  let text = "";
  try {
    text = await readFile(backupPaths(dir, id).verifications, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as TVerification);
}

export async function recordVerification(dir: string, v: TVerification): Promise<void> {
  await appendFile(backupPaths(dir, v.backupId).verifications, `${JSON.stringify(v)}\n`);
}

async function toBackup(dir: string, manifest: TBackupManifest): Promise<TBackup> {
  const verifications = await readVerifications(dir, manifest.id);
  return {
    ...manifest,
    lastVerification: verifications[verifications.length - 1] ?? null,
    missing: !(await exists(backupPaths(dir, manifest.id).dump)),
  };
}

export async function readBackup(dir: string, id: string): Promise<TBackup | null> {
  const manifest = await readJson<TBackupManifest>(backupPaths(dir, id).manifest);
  return manifest ? toBackup(dir, manifest) : null;
}

/** Every backup of `database` in the folder, newest first (by the manifest's time, never mtime). */
export async function readBackups(dir: string, database?: string): Promise<TBackup[]> {
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const ids = names.filter((n) => /^bk_.*\.json$/.test(n)).map((n) => n.slice(0, -".json".length));
  const backups: TBackup[] = [];
  for (const id of ids) {
    const b = await readBackup(dir, id);
    if (b && (!database || b.database === database)) backups.push(b);
  }
  return backups.sort((a, b) =>
    a.startedAt === b.startedAt ? b.id.localeCompare(a.id) : b.startedAt.localeCompare(a.startedAt),
  );
}

export async function deleteBackupFiles(dir: string, id: string): Promise<void> {
  const p = backupPaths(dir, id);
  // Dump first: a manifest without its dump shows as "missing" rather than vanishing silently.
  await rm(p.dump, { force: true });
  await rm(p.verifications, { force: true });
  await rm(p.manifest, { force: true });
}

export async function sha256File(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), size };
}

export async function writeDrill(dir: string, drill: TDrill): Promise<void> {
  await writeJsonAtomic(path.join(dir, "drills", `${drill.id}.json`), drill);
}

export async function readDrills(dir: string): Promise<TDrill[]> {
  const folder = path.join(dir, "drills");
  let names: string[] = [];
  try {
    names = await readdir(folder);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const drills: TDrill[] = [];
  for (const n of names.filter((x) => x.endsWith(".json"))) {
    const d = await readJson<TDrill>(path.join(folder, n));
    if (d) drills.push(d);
  }
  return drills.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

export async function writeRestoreReport(dir: string, report: TRestoreReport): Promise<void> {
  await writeJsonAtomic(path.join(dir, "restores", `${report.id}.json`), report);
}

export async function readRestoreReport(dir: string, id: string): Promise<TRestoreReport | null> {
  return readJson<TRestoreReport>(path.join(dir, "restores", `${id}.json`));
}
