// The build of our apps (server, worker, CLI) with tsdown: our workspace packages export
// TypeScript source, so they are bundled in; npm packages stay external, imported from the
// app's node_modules at run time. Source maps beside the output (run node --enable-source-maps).
import { defineConfig } from "tsdown";

/** @param {Record<string, string>} entry output name → source file */
export function appConfig(entry) {
  return defineConfig({
    entry,
    platform: "node",
    target: "node20.19",
    format: "esm",
    sourcemap: true,
    deps: {
      alwaysBundle: [/^@radha\//],
      // Nothing from node_modules may be inlined: an npm package the bundle imports must be a
      // dependency of the app, so it is installed next to dist/ and resolvable from it.
      onlyBundle: [],
    },
  });
}
