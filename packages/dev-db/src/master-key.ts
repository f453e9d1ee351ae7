// The embedded demo's master key: generated once beside its database (`<data>/../master.key`,
// mode 0600) and reused, so the demo needs no OPS_MASTER_KEY. Production sets OPS_MASTER_KEY.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { defaultDataDir } from "./local-database";

export function demoMasterKeyPath(dataDir: string | undefined): string {
  return path.join(path.dirname(path.resolve(dataDir ?? defaultDataDir())), "master.key");
}

/** Reads the demo key, or makes one; returns it as base64 (what OPS_MASTER_KEY holds). */
export function loadOrCreateDemoMasterKey(dataDir: string | undefined): {
  key: string;
  created: boolean;
  file: string;
} {
  const file = demoMasterKeyPath(dataDir);
  if (existsSync(file)) return { key: readFileSync(file, "utf8").trim(), created: false, file };
  mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(32).toString("base64");
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: "wx" });
  return { key, created: true, file };
}
