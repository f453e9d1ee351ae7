// `npm run up`: from a fresh clone to a running server with the console, on Node 20 + npm only.
import { buildAndStartServer, checkNode, ensurePnpm, install } from "./bootstrap.mjs";

checkNode();
install(ensurePnpm());
buildAndStartServer();
