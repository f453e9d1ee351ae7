import { defineConfig } from "vitest/config";

// The first lint of a run builds typescript-eslint's program: over 5 s on a busy machine.
export default defineConfig({ test: { include: ["*.test.js"], testTimeout: 30_000 } });
