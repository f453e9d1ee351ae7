// Opaque bearer secrets (refresh and service tokens): random, shown once, stored as sha256.
import { createHash, randomBytes } from "node:crypto";

export const SERVICE_TOKEN_PREFIX = "rso_";
export const REFRESH_TOKEN_PREFIX = "rt_";

export function newOpaqueToken(prefix: string): string {
  return prefix + randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
