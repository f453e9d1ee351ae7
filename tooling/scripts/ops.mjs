// `pnpm ops …`: the compiled CLI, rebuilt first only when it is missing or stale.
import { buildQuietly } from "./bootstrap.mjs";

buildQuietly(["@radha/cli"]);
await import("../../apps/cli/bin/ops.mjs");
