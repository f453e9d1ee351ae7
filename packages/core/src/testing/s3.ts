// A real S3-protocol server (s3rver, from npm) on a free local port, for tests of backup copies.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import S3rver from "s3rver";
import type { S3Config } from "../dbops/s3";

export interface LocalS3 {
  config: Omit<S3Config, "prefix">;
  stop(): Promise<void>;
}

export async function startS3Server(bucket: string): Promise<LocalS3> {
  const directory = await mkdtemp(path.join(tmpdir(), "radha-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return {
    config: {
      bucket,
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${port}`,
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      forcePathStyle: true,
    },
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
