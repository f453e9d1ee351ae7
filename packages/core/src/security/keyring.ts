// Asymmetric signing keys for access JWTs, kept in the database with a `kid` and a state:
// NEXT → ACTIVE → RETIRING → REVOKED. Tokens are signed with the ACTIVE key and verified
// against every key that is not REVOKED, so a rotation logs nobody out.
import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from "jose";
import type { Db } from "../db/database";
import { DomainError } from "../errors";
import {
  findActiveSigningKid,
  insertActiveSigningKeyIfNone,
  selectUsableSigningKeys,
} from "./security.queries";
import type { TSigningKeyState } from "./security.schema";

const ALG = "ES256";
const ISSUER = "radha-ops";
const AUDIENCE = "radha-ops-staff";
type SigningKey = Awaited<ReturnType<typeof importJWK>>;

interface LoadedKey {
  kid: string;
  state: TSigningKeyState;
  publicKey: SigningKey;
  privateKey: SigningKey | undefined;
}

export interface AccessClaims {
  sub: string;
  sid: string;
  role: string;
}

/** Ensures an ACTIVE key exists (concurrent starters race safely on a unique index). */
export async function ensureActiveSigningKey(db: Db): Promise<void> {
  if (await findActiveSigningKid(db)) return;
  const { publicKey, privateKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = `k-${new Date().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
  await insertActiveSigningKeyIfNone(db, {
    kid,
    alg: ALG,
    publicJwk: JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg: ALG }),
    privateJwk: JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: ALG }),
    activatedAt: new Date(),
  });
}

export class Keyring {
  private keys = new Map<string, LoadedKey>();
  private loadedAt = 0;

  constructor(
    private readonly db: Db,
    private readonly cacheMs = 10_000,
  ) {}

  private async load(force = false): Promise<void> {
    if (!force && Date.now() - this.loadedAt < this.cacheMs) return;
    const rows = await selectUsableSigningKeys(this.db);
    const next = new Map<string, LoadedKey>();
    for (const row of rows) {
      next.set(row.kid, {
        kid: row.kid,
        state: row.state,
        publicKey: await importJWK(row.publicJwk as JWK, row.alg),
        privateKey: row.state === "ACTIVE" ? await importJWK(row.privateJwk as JWK, row.alg) : undefined,
      });
    }
    this.keys = next;
    this.loadedAt = Date.now();
  }

  async sign(claims: AccessClaims, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }> {
    await this.load();
    let active = [...this.keys.values()].find((k) => k.state === "ACTIVE");
    if (!active) {
      await this.load(true);
      active = [...this.keys.values()].find((k) => k.state === "ACTIVE");
    }
    if (!active?.privateKey)
      throw new DomainError("UNAVAILABLE", "No active signing key; run the server once to create one");
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    const token = await new SignJWT({ sid: claims.sid, role: claims.role })
      .setProtectedHeader({ alg: ALG, kid: active.kid, typ: "JWT" })
      .setSubject(claims.sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(active.privateKey);
    return { token, expiresAt };
  }

  /** Returns the claims of a valid token, or throws UNAUTHENTICATED. */
  async verify(token: string): Promise<AccessClaims> {
    await this.load();
    let payload: JWTPayload;
    try {
      const result = await jwtVerify(
        token,
        async (header) => {
          let key = header.kid ? this.keys.get(header.kid) : undefined;
          if (!key && header.kid && Date.now() - this.loadedAt > 1_000) {
            // A key created by another instance since our last load (at most one reload a
            // second, so tokens with made-up kids cannot turn into a query each).
            await this.load(true);
            key = this.keys.get(header.kid);
          }
          if (!key) throw new Error("unknown or revoked signing key");
          return key.publicKey;
        },
        { issuer: ISSUER, audience: AUDIENCE, algorithms: [ALG] },
      );
      payload = result.payload;
    } catch (cause) {
      const expired = (cause as { code?: string }).code === "ERR_JWT_EXPIRED";
      throw new DomainError(
        "UNAUTHENTICATED",
        expired ? "Your session token has expired; refresh or sign in again" : "Invalid access token",
        { cause },
      );
    }
    if (
      typeof payload.sub !== "string" ||
      typeof payload.sid !== "string" ||
      typeof payload.role !== "string"
    ) {
      throw new DomainError("UNAUTHENTICATED", "Invalid access token");
    }
    return { sub: payload.sub, sid: payload.sid, role: payload.role };
  }
}
