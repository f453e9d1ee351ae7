// The master key (OPS_MASTER_KEY: 32 random bytes, base64) seals what must be stored but never
// readable from the database alone: signing private keys and webhook secrets. AES-256-GCM with a
// fresh 12-byte IV per value; the row's identity is the additional data, so a sealed value copied
// onto another row does not open.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const VERSION = "v1";

export interface MasterKey {
  readonly bytes: Buffer;
  /** A short, public identifier (sha256 prefix), for "which key sealed this" messages. */
  readonly id: string;
}

/** Parses OPS_MASTER_KEY; throws a message naming the variable (never its value). */
export function parseMasterKey(base64: string): MasterKey {
  const bytes = Buffer.from(base64.trim(), "base64");
  if (bytes.length !== 32)
    throw new Error(
      `OPS_MASTER_KEY must be 32 random bytes in base64 (it decodes to ${bytes.length}); make one with: openssl rand -base64 32`,
    );
  return { bytes, id: createHash("sha256").update(bytes).digest("hex").slice(0, 8) };
}

export function generateMasterKey(): string {
  return randomBytes(32).toString("base64");
}

export function sealSecret(key: MasterKey, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key.bytes, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [
    VERSION,
    iv.toString("base64"),
    cipher.getAuthTag().toString("base64"),
    body.toString("base64"),
  ].join(":");
}

export function openSecret(key: MasterKey, sealed: string, context: string): string {
  const [version, iv, tag, body] = sealed.split(":");
  if (version !== VERSION || !iv || !tag || body === undefined)
    throw new Error("A sealed secret has an unknown format");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.bytes, Buffer.from(iv, "base64"));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString("utf8");
  } catch (cause) {
    throw new Error("A sealed secret does not open with this OPS_MASTER_KEY (was the key changed?)", {
      cause,
    });
  }
}

/** A public, stable fingerprint of a secret: enough to tell two apart, useless to an attacker. */
export function fingerprintSecret(secret: string): string {
  return `sha256:${createHash("sha256").update(secret).digest("hex").slice(0, 12)}`;
}
