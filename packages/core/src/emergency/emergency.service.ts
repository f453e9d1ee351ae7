// Emergency switches: payments off + maintenance on in one audited transaction, and back.
import { type Actor, writeAudit } from "../audit/audit.service";
import type { Db, Trx } from "../db/database";
import type { SharedStore } from "../shared-store";
import { lockConfigValue, upsertConfigValue } from "../system/system.queries";
import { SYSTEM_FLAGS, type TFlagKey } from "../system/system.schema";
import { getFlag, setFlag } from "../system/system.service";
import { announceFlagChange } from "./flag-cache";
import { ZEmergencyReason, ZMaintenance, ZResumePayments, type TEmergencyState } from "./emergency.schema";

async function writeFlag(trx: Trx, actor: Actor, key: TFlagKey, value: boolean) {
  const before = await lockConfigValue(trx, key);
  await upsertConfigValue(trx, {
    key,
    value,
    description: SYSTEM_FLAGS[key].description,
    updatedBy: actor.label,
  });
  return before ? before.value : SYSTEM_FLAGS[key].default;
}

async function switchPayments(
  db: Db,
  store: SharedStore,
  actor: Actor,
  target: TEmergencyState,
  action: string,
  reason: string,
): Promise<TEmergencyState> {
  await db.transaction().execute(async (trx) => {
    // Lock order: keys alphabetically, as every flag writer does.
    const maintenanceBefore = await writeFlag(trx, actor, "maintenance_mode", target.maintenanceMode);
    const paymentsBefore = await writeFlag(trx, actor, "payments_enabled", target.paymentsEnabled);
    await writeAudit(trx, actor, {
      action,
      target: { type: "system_config", id: "payments_enabled,maintenance_mode" },
      before: { payments_enabled: paymentsBefore, maintenance_mode: maintenanceBefore },
      after: { payments_enabled: target.paymentsEnabled, maintenance_mode: target.maintenanceMode },
      reason,
    });
  });
  await announceFlagChange(store);
  return target;
}

/** Payments off and maintenance on, together. Safe to repeat. */
export async function stopPayments(db: Db, store: SharedStore, actor: Actor, raw: unknown) {
  const { reason } = ZEmergencyReason.parse(raw);
  return switchPayments(
    db,
    store,
    actor,
    { paymentsEnabled: false, maintenanceMode: true },
    "emergency.stop_payments",
    reason,
  );
}

/** Payments on and maintenance off. Safe to repeat. */
export async function resumePayments(db: Db, store: SharedStore, actor: Actor, raw: unknown = {}) {
  const { reason } = ZResumePayments.parse(raw);
  return switchPayments(
    db,
    store,
    actor,
    { paymentsEnabled: true, maintenanceMode: false },
    "emergency.resume_payments",
    reason ?? "payments resumed",
  );
}

export async function setMaintenance(db: Db, store: SharedStore, actor: Actor, raw: unknown) {
  const input = ZMaintenance.parse(raw);
  await setFlag(db, actor, { key: "maintenance_mode", value: input.on, reason: input.reason });
  await announceFlagChange(store);
  return getEmergencyState(db);
}

export async function getEmergencyState(db: Db): Promise<TEmergencyState> {
  const [paymentsEnabled, maintenanceMode] = await Promise.all([
    getFlag(db, "payments_enabled"),
    getFlag(db, "maintenance_mode"),
  ]);
  return { paymentsEnabled, maintenanceMode };
}
