// The embedded demo's audit checkpoints: <repo>/.data/audit-checkpoints, signed with a key
// generated once into <repo>/.data/audit-checkpoint.key (0600; the database never sees it).
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { checkpointKey, type CheckpointConfig } from "@radha/core/audit";
import { devDbPackageDir } from "./package-dir";

export function localCheckpointConfig(): CheckpointConfig {
  const data = path.resolve(devDbPackageDir(), "../..", ".data");
  const keyFile = path.join(data, "audit-checkpoint.key");
  if (!existsSync(keyFile)) {
    mkdirSync(data, { recursive: true });
    writeFileSync(keyFile, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  }
  return {
    dir: path.join(data, "audit-checkpoints"),
    key: checkpointKey(readFileSync(keyFile, "utf8").trim()),
  };
}
