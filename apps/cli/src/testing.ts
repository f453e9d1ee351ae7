// Runs the real `ops` executable as a child process, as a user would, for the CLI's tests.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
const OPS = fileURLToPath(new URL("../bin/ops.mjs", import.meta.url));

export interface OpsResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `stdin` is piped in and closed (commands that read a secret from stdin get it; others get EOF). */
export function runOps(env: Record<string, string>, args: string[], stdin = ""): Promise<OpsResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [OPS, ...args],
      {
        // eslint-disable-next-line no-restricted-properties -- the ops child gets only PATH from here; tests pass the rest
        env: { PATH: process.env.PATH ?? "", ...env },
        timeout: 90_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(stdin);
  });
}
