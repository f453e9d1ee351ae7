#!/usr/bin/env node
// `ops` executable: the compiled CLI in dist/ (`pnpm ops` builds it first when it is missing or
// stale), with stack traces mapped back to the TypeScript sources.
import { existsSync } from "node:fs";

const main = new URL("../dist/main.mjs", import.meta.url);
if (!existsSync(main)) {
  console.error("The ops CLI is not built yet: run `pnpm ops …` from the repository root, or `pnpm build`.");
  process.exit(1);
}
process.setSourceMapsEnabled(true);
await import(main.href);
