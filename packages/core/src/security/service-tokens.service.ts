// Service tokens for internal callers: bound to a role, stored hashed, shown once at creation.
import { z } from "zod";
import type { Db, Trx } from "../db/database";
import { DomainError } from "../errors";
import { decodeCursor, toPage, ZKeyTime } from "../pagination/cursor";
import type { TPage } from "../pagination/pagination.schema";
import { type Actor, writeAudit } from "../audit/audit.service";
import {
  findActiveServiceTokenByName,
  findUserByEmail,
  lockUser,
  insertServiceToken,
  lockServiceToken,
  selectServiceTokens,
  updateServiceToken,
  type ServiceTokenRow,
} from "./security.queries";
import {
  ZCreateServiceToken,
  ZServiceTokenListInput,
  roleAtLeast,
  type TServiceTokenInfo,
  type TServiceTokenListInput,
} from "./security.schema";
import { SERVICE_TOKEN_PREFIX, hashToken, newOpaqueToken } from "./tokens";

/**
 * A token acts for its owner: the person signed in, or (from the CLI) `ownerEmail`. Its role can
 * be no higher than the owner's, and it dies when the owner is suspended or demoted below it.
 */
export async function createServiceToken(
  db: Db,
  actor: Actor,
  raw: unknown,
): Promise<{ token: string; info: TServiceTokenInfo }> {
  const input = ZCreateServiceToken.parse(raw);
  const token = newOpaqueToken(SERVICE_TOKEN_PREFIX);
  const tokenPrefix = token.slice(0, SERVICE_TOKEN_PREFIX.length + 6);
  return db.transaction().execute(async (trx) => {
    const owner = await lockTokenOwner(trx, actor, input.ownerEmail);
    if (!roleAtLeast(owner.role, input.role))
      throw new DomainError(
        "PRECONDITION_FAILED",
        `role: ${owner.email} is ${owner.role}; a token cannot hold more than its owner (${input.role})`,
      );
    const clash = await findActiveServiceTokenByName(trx, input.name);
    if (clash)
      throw new DomainError(
        "CONFLICT",
        `An active service token named "${input.name}" exists; revoke it first or pick another name`,
      );
    const expiresAt = new Date(Date.now() + input.expiresInDays * 86_400_000);
    const row = await insertServiceToken(trx, {
      name: input.name,
      role: input.role,
      tokenHash: hashToken(token),
      tokenPrefix,
      createdBy: actor.label,
      ownerUserId: owner.id,
      expiresAt,
    });
    await writeAudit(trx, actor, {
      action: "tokens.create",
      target: { type: "service_token", id: row.id },
      after: { name: row.name, role: row.role, tokenPrefix, owner: owner.email, expiresAt },
    });
    return { token, info: toInfo({ ...row, ownerEmail: owner.email }) };
  });
}

async function lockTokenOwner(trx: Trx, actor: Actor, ownerEmail: string | undefined) {
  if (actor.type === "USER" && actor.id) {
    const me = await lockUser(trx, actor.id);
    if (ownerEmail && me?.email.toLowerCase() !== ownerEmail.toLowerCase())
      throw new DomainError("BAD_REQUEST", "ownerEmail: a token you create is yours; leave ownerEmail out");
    if (me?.status === "ACTIVE") return me;
  } else if (ownerEmail) {
    const found = await findUserByEmail(trx, ownerEmail.toLowerCase());
    const owner = found ? await lockUser(trx, found.id) : undefined;
    if (owner?.status === "ACTIVE" && owner.role !== "CUSTOMER") return owner;
    throw new DomainError("BAD_REQUEST", `ownerEmail: no active staff user ${ownerEmail}`);
  } else {
    throw new DomainError("BAD_REQUEST", "ownerEmail: name the staff user the token acts for");
  }
  throw new DomainError("PRECONDITION_FAILED", "Only an active staff user can own a service token");
}

const ZServiceTokenKey = z.tuple([ZKeyTime, z.uuid()]);

export async function listServiceTokens(
  db: Db,
  raw: TServiceTokenListInput = {},
): Promise<TPage<TServiceTokenInfo>> {
  const { cursor, limit } = ZServiceTokenListInput.parse(raw);
  const rows = await selectServiceTokens(db, {
    limit: limit + 1,
    before: decodeCursor(cursor, ZServiceTokenKey),
  });
  return toPage(rows, limit, toInfo, (t) => [t.keyTime, t.id]);
}

export async function revokeServiceToken(db: Db, actor: Actor, tokenId: string): Promise<TServiceTokenInfo> {
  return db.transaction().execute(async (trx) => {
    const row = await lockServiceToken(trx, tokenId);
    if (!row) throw new DomainError("NOT_FOUND", "No service token with that id");
    if (row.revokedAt) return toInfo({ ...row, ownerEmail: null });
    const updated = {
      ...(await updateServiceToken(trx, tokenId, { revokedAt: new Date() })),
      ownerEmail: null,
    };
    await writeAudit(trx, actor, {
      action: "tokens.revoke",
      target: { type: "service_token", id: tokenId },
      before: { revokedAt: null },
      after: { revokedAt: updated.revokedAt },
    });
    return toInfo(updated);
  });
}

function toInfo(row: ServiceTokenRow & { ownerEmail: string | null }): TServiceTokenInfo {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    tokenPrefix: row.tokenPrefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt.toISOString(),
    ownerEmail: row.ownerEmail,
    lastUsedIp: row.lastUsedIp,
  };
}
