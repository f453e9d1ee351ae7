// This package's own folder. Its code runs from src/ or bundled into an app's dist/, so its
// files (and the binaries installed beside it) are found through the installed package, never
// relative to the running module.
import { createRequire } from "node:module";
import path from "node:path";

export function devDbPackageDir(): string {
  try {
    return path.dirname(createRequire(import.meta.url).resolve("@radha/dev-db/package.json"));
  } catch {
    throw new Error(
      "DATABASE_URL is not set and the development database package (@radha/dev-db) is not installed " +
        "(a production install has no embedded PostgreSQL): set DATABASE_URL to a PostgreSQL 15+ server.",
    );
  }
}
