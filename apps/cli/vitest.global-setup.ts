// The CLI's tests run the compiled `ops` (bin/ops.mjs → dist/), as users do: build it first, so
// a test never runs a dist/ older than the sources it is checking.
import { fileURLToPath } from "node:url";
import { build } from "tsdown";

export default async function buildCli(): Promise<void> {
  const cwd = fileURLToPath(new URL(".", import.meta.url));
  await build({ cwd, config: `${cwd}tsdown.config.ts`, logLevel: "warn" });
}
