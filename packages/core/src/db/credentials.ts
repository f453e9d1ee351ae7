// Where the server's database credentials come from: DATABASE_URL, or a file named by
// DATABASE_URL_FILE (a mounted secret, or what `ops db rotate-password` writes) that is re-read
// when it changes — fs.watch for speed, a periodic stat for file systems where watching is
// unreliable (network mounts, atomic replace of a symlinked secret).
import { type FSWatcher, readFileSync, statSync, watch } from "node:fs";
import { chmod, rename, writeFile } from "node:fs/promises";
import path from "node:path";

export interface DatabaseUrlEnv {
  DATABASE_URL?: string | undefined;
  DATABASE_URL_FILE?: string | undefined;
}

/** Reads a credentials file: the first non-blank, non-comment line, a postgres:// URL. */
export function readDatabaseUrlFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new Error(`DATABASE_URL_FILE ${file} cannot be read (${(cause as Error).message})`, { cause });
  }
  const line = text
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "" && !l.startsWith("#"));
  if (!line || !/^postgres(ql)?:\/\//.test(line))
    throw new Error(`DATABASE_URL_FILE ${file} does not hold a postgres:// URL on its first line`);
  return line;
}

/** DATABASE_URL, or the URL in DATABASE_URL_FILE; undefined when neither is set (embedded demo). */
export function resolveDatabaseUrl(env: DatabaseUrlEnv): string | undefined {
  if (env.DATABASE_URL && env.DATABASE_URL_FILE)
    throw new Error(
      "Set DATABASE_URL or DATABASE_URL_FILE, not both (the file is what password rotation updates)",
    );
  if (env.DATABASE_URL_FILE) return readDatabaseUrlFile(env.DATABASE_URL_FILE);
  return env.DATABASE_URL;
}

/**
 * Replaces the file's content in one step (write beside it, then rename), readable by its owner
 * only: a reader sees the old URL or the new one, never half of one.
 */
export async function writeDatabaseUrlFile(file: string, url: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(tmp, `${url}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

export interface UrlFileWatcher {
  stop(): void;
}

/**
 * Calls `onChange(url)` when the file holds a different URL. A file that is briefly missing or
 * unreadable (mid-replace) is tried again on the next tick; `onError` hears of lasting trouble.
 */
export function watchDatabaseUrlFile(
  file: string,
  onChange: (url: string) => void,
  opts: { intervalMs?: number; onError?: (error: Error) => void } = {},
): UrlFileWatcher {
  let last = (() => {
    try {
      return readDatabaseUrlFile(file);
    } catch {
      return "";
    }
  })();
  let lastStat = "";
  const statKey = () => {
    try {
      const s = statSync(file);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return "";
    }
  };
  lastStat = statKey();
  const check = () => {
    let url: string;
    try {
      url = readDatabaseUrlFile(file);
    } catch (e) {
      opts.onError?.(e as Error);
      return;
    }
    if (url !== last) {
      last = url;
      onChange(url);
    }
  };
  // Watch the folder: an atomic replace (rename over the file) ends a watch on the file itself.
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(path.dirname(file), { persistent: false }, (_event, name) => {
      if (!name || name === path.basename(file)) check();
    });
    watcher.on("error", () => undefined);
  } catch {
    watcher = undefined;
  }
  const timer = setInterval(() => {
    const key = statKey();
    if (key !== lastStat) {
      lastStat = key;
      check();
    }
  }, opts.intervalMs ?? 2_000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      watcher?.close();
    },
  };
}
