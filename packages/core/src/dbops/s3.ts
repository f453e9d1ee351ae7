// Off-site copies of backups on S3-compatible object storage (AWS S3, MinIO, R2, s3rver in tests).
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

export interface S3Config {
  bucket: string;
  region: string;
  endpoint?: string | undefined;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  prefix: string;
  forcePathStyle: boolean;
}

export interface RemoteObject {
  key: string;
  size: number;
  lastModified: string | null;
}

export function createBackupBucket(config: S3Config) {
  const client = new S3Client({
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    // Plain payload checksums: S3-compatible servers do not all take streamed checksum trailers.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.accessKeyId && config.secretAccessKey
      ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
      : {}),
  });
  const keyOf = (name: string) => `${config.prefix.replace(/\/?$/, "/").replace(/^\//, "")}${name}`;
  return {
    bucket: config.bucket,
    keyOf,
    async upload(name: string, file: string, contentType: string): Promise<string> {
      const { size } = await stat(file);
      const key = keyOf(name);
      await client.send(
        new PutObjectCommand({
          Bucket: config.bucket,
          Key: key,
          Body: createReadStream(file),
          ContentLength: size,
          ContentType: contentType,
        }),
      );
      return key;
    },
    async list(): Promise<RemoteObject[]> {
      const out: RemoteObject[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: config.bucket, Prefix: keyOf(""), ContinuationToken: token }),
        );
        for (const o of page.Contents ?? [])
          out.push({
            key: o.Key ?? "",
            size: o.Size ?? 0,
            lastModified: o.LastModified?.toISOString() ?? null,
          });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out;
    },
    async remove(name: string): Promise<void> {
      await client.send(new DeleteObjectCommand({ Bucket: config.bucket, Key: keyOf(name) }));
    },
    destroy() {
      client.destroy();
    },
  };
}

export type BackupBucket = ReturnType<typeof createBackupBucket>;
