// Runs the real `ops` executable as a child process, as a user would, for the CLI's tests.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);
const OPS = fileURLToPath(new URL("../bin/ops.mjs", import.meta.url));

export interface OpsResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runOps(env: Record<string, string>, args: string[]): Promise<OpsResult> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [OPS, ...args], {
      // eslint-disable-next-line no-restricted-properties -- the ops child gets only PATH from here; tests pass the rest
      env: { PATH: process.env.PATH ?? "", ...env },
      timeout: 90_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as OpsResult;
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
