// Asymmetric signing keys for access JWTs, kept in the database with a `kid` and a state:
// NEXT → ACTIVE → RETIRING → RETIRED, or REVOKED (keys.service.ts moves them). Tokens are signed
// with the ACTIVE key and verified against NEXT, ACTIVE and RETIRING keys, so a rotation logs
// nobody out; a RETIRED or REVOKED key verifies nothing. Private keys are sealed with the master
// key. A change published on the shared store makes every instance reload at once.
import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from "jose";
import type { Db } from "../db/database";
import { DomainError } from "../errors";
import type { SharedStore } from "../shared-store/index";
import { type SigningKeyRow, selectVerifyingSigningKeys } from "./keys.queries";
import { type MasterKey, openSecret, sealSecret } from "./master-key";
import type { TSigningKeyState } from "./security.schema";

export const SIGNING_ALG = "ES256";
const ISSUER = "radha-ops";
const AUDIENCE = "radha-ops-staff";
/** Shared-store channel: "a key changed state; reload". */
export const SIGNING_KEYS_CHANNEL = "signing-keys";
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

const sealContext = (kid: string) => `signing_key:${kid}`;

/** A fresh ES256 key pair as a row: public JWK in the clear, private JWK sealed. */
export async function newSigningKeyRow(masterKey: MasterKey) {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const kid = `k-${new Date().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
  const privateJwk = JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG });
  return {
    kid,
    alg: SIGNING_ALG,
    publicJwk: JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: "sig" }),
    privateJwk: null,
    privateKeySealed: sealSecret(masterKey, privateJwk, sealContext(kid)),
  } as const;
}

export function sealPrivateJwk(masterKey: MasterKey, kid: string, jwk: unknown): string {
  return sealSecret(masterKey, JSON.stringify(jwk), sealContext(kid));
}

function privateJwkOf(masterKey: MasterKey, row: SigningKeyRow): JWK {
  if (row.privateKeySealed)
    return JSON.parse(openSecret(masterKey, row.privateKeySealed, sealContext(row.kid))) as JWK;
  if (row.privateJwk) return row.privateJwk;
  throw new Error(`signing key ${row.kid} has no private key`);
}

export class Keyring {
  private keys = new Map<string, LoadedKey>();
  private loadedAt = 0;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly masterKey: MasterKey,
    private readonly cacheMs = 10_000,
  ) {}

  /** Forget what was loaded: the next sign or verify reads the table. */
  invalidate(): void {
    this.loadedAt = 0;
  }

  /** Reloads whenever any instance announces a key change on the shared store. */
  async listen(store: SharedStore): Promise<() => Promise<void>> {
    return store.subscribe(SIGNING_KEYS_CHANNEL, () => {
      this.invalidate();
      void this.load().catch(() => undefined);
    });
  }

  private async load(force = false): Promise<void> {
    if (!force && this.loadedAt && Date.now() - this.loadedAt < this.cacheMs) return;
    this.loading ??= this.readKeys().finally(() => (this.loading = undefined));
    await this.loading;
  }

  private async readKeys(): Promise<void> {
    const startedAt = Date.now();
    const rows = await selectVerifyingSigningKeys(this.db);
    const next = new Map<string, LoadedKey>();
    for (const row of rows) {
      next.set(row.kid, {
        kid: row.kid,
        state: row.state,
        publicKey: await importJWK(row.publicJwk as JWK, row.alg),
        privateKey:
          row.state === "ACTIVE" ? await importJWK(privateJwkOf(this.masterKey, row), row.alg) : undefined,
      });
    }
    this.keys = next;
    this.loadedAt = startedAt;
  }

  async sign(
    claims: AccessClaims,
    ttlSeconds: number,
  ): Promise<{ token: string; expiresAt: Date; kid: string }> {
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
      .setProtectedHeader({ alg: SIGNING_ALG, kid: active.kid, typ: "JWT" })
      .setSubject(claims.sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(active.privateKey);
    return { token, expiresAt, kid: active.kid };
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
          if (!key) throw new Error("unknown, retired or revoked signing key");
          return key.publicKey;
        },
        { issuer: ISSUER, audience: AUDIENCE, algorithms: [SIGNING_ALG] },
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
