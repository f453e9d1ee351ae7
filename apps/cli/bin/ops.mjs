#!/usr/bin/env node
// `ops` executable: runs the TypeScript sources through tsx, like the server does.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
