// The backups configuration for a database the CLI opened (same settings as the server's).
import path from "node:path";
import { dbopsConfigFromEnv, type DbopsConfig } from "@radha/core/dbops";
import { loadEnv } from "../env";

export function dbopsConfigFor(databaseUrl: string): DbopsConfig {
  const env = loadEnv();
  return dbopsConfigFromEnv(env, databaseUrl, env.INIT_CWD ? path.resolve(env.INIT_CWD) : process.cwd());
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i] ?? "TiB"}`;
}

export function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}
