// Every migration, listed explicitly so bundling or a stray file never changes the set.
import type { Migration } from "kysely";
import * as foundation from "./2026_11_28_0001_foundation";

export const migrations: Record<string, Migration> = {
  "2026_11_28_0001_foundation": foundation,
};
