// `npm run up`: from a fresh clone to a running server with the console, on Node 20 + npm only.
import { checkNode, ensurePnpm, handOver, install, log, runSync } from "./bootstrap.mjs";

checkNode();
const pnpm = ensurePnpm();
install(pnpm);
log("building the console");
runSync(pnpm[0], [...pnpm.slice(1), "--filter", "@radha/console", "build"]);
log("starting the server (Ctrl-C stops it)");
handOver(pnpm[0], [...pnpm.slice(1), "--filter", "@radha/server", "start"]);
