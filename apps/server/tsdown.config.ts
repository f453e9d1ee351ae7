// The server and the worker, compiled to dist/ (see @radha/tsdown-config).
import { appConfig } from "@radha/tsdown-config";

export default appConfig({ main: "src/main.ts", "worker-main": "src/worker-main.ts" });
