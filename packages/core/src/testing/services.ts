// Services a test owns, so it can stop and start them without disturbing anything else running:
// a redis-server on a free port of its own. (The embedded Postgres is @radha/dev-db's.)
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, connect } from "node:net";

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export interface OwnedRedis {
  url: string;
  port: number;
  /** Stops the server (SIGTERM) and waits until the port is closed. */
  stop(): Promise<void>;
  /** Starts it again on the same port (an empty dataset, as after a Redis restart without persistence). */
  start(): Promise<void>;
}

/** Starts /usr/bin/redis-server (or REDIS_SERVER_BIN) on its own port, without persistence. */
export async function startOwnedRedis(binary = "/usr/bin/redis-server"): Promise<OwnedRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const proc = spawn(
      binary,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    child = proc;
    for (let i = 0; i < 100; i++) {
      if (await accepts(port)) return;
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not listen on ${port}`);
  };
  const stop = async () => {
    const proc = child;
    if (proc?.exitCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}
