// `pnpm start`: the compiled server (and console), rebuilt first only where stale.
import { buildAndStartServer, checkNode } from "./bootstrap.mjs";

checkNode();
buildAndStartServer();
