// system_config flags: read with defaults, changed with an audit event in the same transaction.
import { must } from "../errors";
import type { z } from "zod";
import type { DbOrTrx, Db } from "../db/database";
import { DomainError } from "../errors";
import { type Actor, writeAudit } from "../audit/audit.service";
import { lockConfigValue, selectConfigRows, selectConfigValue, upsertConfigValue } from "./system.queries";
import { SYSTEM_FLAGS, ZSetFlag, type TFlag, type TFlagKey } from "./system.schema";

export async function listFlags(db: DbOrTrx): Promise<TFlag[]> {
  const rows = await selectConfigRows(db, Object.keys(SYSTEM_FLAGS));
  const byKey = new Map(rows.map((r) => [r.key, r]));
  return (Object.keys(SYSTEM_FLAGS) as TFlagKey[]).map((key) => {
    const def = SYSTEM_FLAGS[key];
    const row = byKey.get(key);
    const parsed = row ? def.schema.safeParse(row.value) : undefined;
    return {
      key,
      value: parsed?.success ? parsed.data : def.default,
      description: def.description,
      updatedAt: row?.updatedAt.toISOString() ?? null,
      updatedBy: row?.updatedBy ?? null,
    };
  });
}

/** A flag's value type comes from its schema: its default (a literal) is only one of the values. */
type TFlagValue<K extends TFlagKey> = z.output<(typeof SYSTEM_FLAGS)[K]["schema"]>;

export async function getFlag<K extends TFlagKey>(db: DbOrTrx, key: K): Promise<TFlagValue<K>> {
  const row = await selectConfigValue(db, key);
  const parsed = row ? SYSTEM_FLAGS[key].schema.safeParse(row.value) : undefined;
  return (parsed?.success ? parsed.data : SYSTEM_FLAGS[key].default) as TFlagValue<K>;
}

/** Several flags in one round trip (the webhook job reads two before every event). */
export async function getFlags<K extends TFlagKey>(
  db: DbOrTrx,
  keys: readonly K[],
): Promise<{ [P in K]: TFlagValue<P> }> {
  const rows = await selectConfigRows(db, keys);
  const byKey = new Map(rows.map((r) => [r.key, r.value]));
  const out = {} as Record<K, unknown>;
  for (const key of keys) {
    const parsed = byKey.has(key) ? SYSTEM_FLAGS[key].schema.safeParse(byKey.get(key)) : undefined;
    out[key] = parsed?.success ? parsed.data : SYSTEM_FLAGS[key].default;
  }
  return out as { [P in K]: TFlagValue<P> };
}

export async function setFlag(db: Db, actor: Actor, raw: unknown): Promise<TFlag> {
  const input = ZSetFlag.parse(raw);
  const def = SYSTEM_FLAGS[input.key];
  const value = def.schema.safeParse(input.value);
  if (!value.success)
    throw new DomainError("BAD_REQUEST", `${input.key} takes a ${typeof def.default} value`);
  await db.transaction().execute(async (trx) => {
    const before = await lockConfigValue(trx, input.key);
    await upsertConfigValue(trx, {
      key: input.key,
      value: value.data,
      description: def.description,
      updatedBy: actor.label,
    });
    await writeAudit(trx, actor, {
      action: "system.set_flag",
      target: { type: "system_config", id: input.key },
      before: { value: before ? before.value : def.default },
      after: { value: value.data },
      reason: input.reason,
    });
  });
  const flags = await listFlags(db);
  return must(
    flags.find((f) => f.key === input.key),
    "a flag just written is listed",
  );
}
