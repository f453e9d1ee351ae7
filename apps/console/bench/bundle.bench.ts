// Benchmark: the console's initial JavaScript, gzip, from the production build in dist/ (turbo
// builds it before `bench`). Initial = the entry script and the chunks index.html preloads (what
// every first visit downloads before any page renders). Baseline in the same run: all of the
// build's JavaScript — what one bundle without code splitting would ship (before route-level
// splitting the entry alone was 182 KB gzip, with the charts already apart). Asserts nothing.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const TARGET_KB = 200;
const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, "../dist");

const html = readFileSync(path.join(dist, "index.html"), "utf8");
const initial = [
  ...html.matchAll(/<script[^>]+type="module"[^>]+src="\/([^"]+)"/g),
  ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/([^"]+)"/g),
].map((m) => m[1]!);
if (initial.length === 0) throw new Error("dist/index.html names no module script: is the console built?");

const gz = (file: string) => gzipSync(readFileSync(path.join(dist, file))).length / 1024;
const all = readdirSync(path.join(dist, "assets"))
  .filter((f) => f.endsWith(".js"))
  .map((f) => `assets/${f}`);
const initialKb = initial.reduce((sum, f) => sum + gz(f), 0);
const allKb = all.reduce((sum, f) => sum + gz(f), 0);
const largest = all
  .map((f) => ({ f, kb: gz(f) }))
  .sort((a, b) => b.kb - a.kb)
  .slice(0, 5);

console.log(`\nConsole bundle (gzip, from dist/)\n`);
console.log(`| what                                      | KB gzip | files | target   |`);
console.log(`|-------------------------------------------|---------|-------|----------|`);
console.log(
  `| baseline: all JavaScript (one bundle)     | ${allKb.toFixed(1).padStart(7)} | ${String(all.length).padStart(5)} | -        |`,
);
console.log(
  `| initial JavaScript (entry + preloads)     | ${initialKb.toFixed(1).padStart(7)} | ${String(initial.length).padStart(5)} | ≤ ${TARGET_KB} KB |`,
);
console.log(
  `\nLargest chunks: ${largest.map((c) => `${path.basename(c.f)} ${c.kb.toFixed(1)} KB`).join(", ")}`,
);
console.log(
  `${initialKb <= TARGET_KB ? "within" : "OUTSIDE"} target: the first visit downloads ${((100 * initialKb) / allKb).toFixed(0)}% of the app's JavaScript.\n`,
);
