// `npm run up`: from a fresh clone to a running server with the console, on Node 20 + npm only.
import { buildQuietly, checkNode, ensurePnpm, handOver, install, log } from "./bootstrap.mjs";

checkNode();
const pnpm = ensurePnpm();
install(pnpm);
log("building the server and the console");
buildQuietly(["@radha/server", "@radha/console"]);
log("starting the server (Ctrl-C stops it)");
handOver(pnpm[0], [...pnpm.slice(1), "--filter", "@radha/server", "start"]);
