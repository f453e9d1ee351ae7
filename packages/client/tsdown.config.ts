// One ESM file and one bundled .d.ts; the router's types come in through src/router-shape.ts.
import { defineConfig } from "tsdown";

export default defineConfig({
  entry: ["src/index.ts"],
  format: "esm",
  platform: "node",
  fixedExtension: false,
  dts: true,
});
