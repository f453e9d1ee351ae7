// Service tokens for internal callers: bound to a role, stored hashed, shown once at creation.
import { z } from "zod";
import type { Db } from "../db/database";
import { DomainError } from "../errors";
import { decodeCursor, toPage, ZKeyTime } from "../pagination/cursor";
import type { TPage } from "../pagination/pagination.schema";
import { type Actor, writeAudit } from "../audit/audit.service";
import {
  findActiveServiceTokenByName,
  insertServiceToken,
  lockServiceToken,
  selectServiceTokens,
  updateServiceToken,
  type ServiceTokenRow,
} from "./security.queries";
import {
  ZCreateServiceToken,
  ZServiceTokenListInput,
  type TServiceTokenInfo,
  type TServiceTokenListInput,
} from "./security.schema";
import { SERVICE_TOKEN_PREFIX, hashToken, newOpaqueToken } from "./tokens";

export async function createServiceToken(
  db: Db,
  actor: Actor,
  raw: unknown,
): Promise<{ token: string; info: TServiceTokenInfo }> {
  const input = ZCreateServiceToken.parse(raw);
  const token = newOpaqueToken(SERVICE_TOKEN_PREFIX);
  const tokenPrefix = token.slice(0, SERVICE_TOKEN_PREFIX.length + 6);
  return db.transaction().execute(async (trx) => {
    const clash = await findActiveServiceTokenByName(trx, input.name);
    if (clash)
      throw new DomainError(
        "CONFLICT",
        `An active service token named "${input.name}" exists; revoke it first or pick another name`,
      );
    const row = await insertServiceToken(trx, {
      name: input.name,
      role: input.role,
      tokenHash: hashToken(token),
      tokenPrefix,
      createdBy: actor.label,
    });
    await writeAudit(trx, actor, {
      action: "tokens.create",
      target: { type: "service_token", id: row.id },
      after: { name: row.name, role: row.role, tokenPrefix },
    });
    return { token, info: toInfo(row) };
  });
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
    if (row.revokedAt) return toInfo(row);
    const updated = await updateServiceToken(trx, tokenId, { revokedAt: new Date() });
    await writeAudit(trx, actor, {
      action: "tokens.revoke",
      target: { type: "service_token", id: tokenId },
      before: { revokedAt: null },
      after: { revokedAt: updated.revokedAt },
    });
    return toInfo(updated);
  });
}

function toInfo(row: ServiceTokenRow): TServiceTokenInfo {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    tokenPrefix: row.tokenPrefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
