// Alert rules and alerts. A rule breaches when its metric compares against the threshold (and
// the volume floor, when it has one, is met); it fires only after holding for hold_seconds, once
// per rule and subject, and resolves when the metric recovers. Firing and resolving queue
// notifications in the same transaction.
import { type Actor, writeAudit } from "../audit/audit.service";
import type { Db, DbOrTrx } from "../db/database";
import { DomainError } from "../errors";
import { decodeCursor, toPage, ZKeyTime } from "../pagination/cursor";
import type { TPage } from "../pagination/pagination.schema";
import { z } from "zod";
import type { MetricRegistry, SampleRow } from "./metrics.service";
import {
  deleteBreach,
  insertAlertOnce,
  lockAlert,
  lockRule,
  selectAlerts,
  selectAlertView,
  selectBreaches,
  selectOpenAlerts,
  selectRules,
  updateAlert,
  updateRule,
  upsertBreach,
  type AlertRuleRow,
} from "./monitoring.queries";
import {
  COMPARISON_SYMBOL,
  ZAlertListInput,
  ZUpdateAlertRule,
  type TAlert,
  type TAlertRule,
  type TComparison,
} from "./monitoring.schema";
import { queueNotifications } from "./notifications.service";

export function compare(value: number, comparison: TComparison, threshold: number): boolean {
  switch (comparison) {
    case "GT":
      return value > threshold;
    case "GTE":
      return value >= threshold;
    case "LT":
      return value < threshold;
    case "LTE":
      return value <= threshold;
  }
}

function toRule(r: AlertRuleRow, registry?: MetricRegistry): TAlertRule {
  return {
    id: r.id,
    key: r.key,
    name: r.name,
    metric: r.metric,
    comparison: r.comparison,
    threshold: r.threshold,
    holdSeconds: r.holdSeconds,
    severity: r.severity,
    volumeMetric: r.volumeMetric,
    minVolume: r.minVolume,
    enabled: r.enabled,
    description: r.description,
    updatedAt: r.updatedAt.toISOString(),
    updatedBy: r.updatedBy,
    connected: registry ? registry.produces(r.metric) : true,
  };
}

export async function listAlertRules(db: DbOrTrx, registry?: MetricRegistry): Promise<TAlertRule[]> {
  return (await selectRules(db)).map((r) => toRule(r, registry));
}

export async function updateAlertRule(db: Db, actor: Actor, raw: unknown): Promise<TAlertRule> {
  const { id, reason, ...patch } = ZUpdateAlertRule.parse(raw);
  return db.transaction().execute(async (trx) => {
    const before = await lockRule(trx, id);
    if (!before) throw new DomainError("NOT_FOUND", `No alert rule ${id}`);
    const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => (v as unknown) !== undefined));
    const after = await updateRule(trx, id, { ...changes, updatedAt: new Date(), updatedBy: actor.label });
    await writeAudit(trx, actor, {
      action: "alerts.update_rule",
      target: { type: "alert_rule", id: before.key },
      before: Object.fromEntries(Object.keys(changes).map((k) => [k, before[k as keyof AlertRuleRow]])),
      after: changes,
      reason,
    });
    return toRule(after);
  });
}

function describeBreach(rule: AlertRuleRow, subject: string, value: number): string {
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(3);
  return `${rule.metric}${subject ? `{${subject}}` : ""} = ${shown} ${COMPARISON_SYMBOL[rule.comparison]} ${rule.threshold}`;
}

export interface EvaluationResult {
  fired: string[];
  resolved: string[];
}

/**
 * Compares this minute's samples with every enabled rule. A metric with no sample this minute
 * changes nothing (no data is neither a breach nor a recovery).
 */
export async function evaluateAlertRules(
  db: Db,
  samples: readonly SampleRow[],
  now = new Date(),
): Promise<EvaluationResult> {
  const result: EvaluationResult = { fired: [], resolved: [] };
  const rules = (await selectRules(db)).filter((r) => r.enabled);
  for (const rule of rules) {
    const values = samples.filter((s) => s.metric === rule.metric);
    if (values.length === 0) continue;
    const breaches = new Map((await selectBreaches(db, rule.id)).map((b) => [b.subject, b]));
    const open = new Map((await selectOpenAlerts(db, rule.id)).map((a) => [a.subject, a]));
    for (const sample of values) {
      const volume = rule.volumeMetric
        ? samples.find((s) => s.metric === rule.volumeMetric && s.subject === sample.subject)?.value
        : undefined;
      const enoughVolume = rule.minVolume === null || !rule.volumeMetric || (volume ?? 0) >= rule.minVolume;
      const breaching = enoughVolume && compare(sample.value, rule.comparison, rule.threshold);
      const existing = open.get(sample.subject);
      if (breaching) {
        const since = breaches.get(sample.subject)?.since ?? now;
        await upsertBreach(db, { ruleId: rule.id, subject: sample.subject, since, lastValue: sample.value });
        if (existing || now.getTime() - since.getTime() < rule.holdSeconds * 1000) continue;
        const fired = await db.transaction().execute(async (trx) => {
          const alert = await insertAlertOnce(trx, {
            ruleId: rule.id,
            subject: sample.subject,
            severity: rule.severity,
            message: describeBreach(rule, sample.subject, sample.value),
            value: sample.value,
            threshold: rule.threshold,
            firedAt: now,
          });
          if (alert) await queueNotifications(trx, alert, rule, "ALERT_FIRING");
          return alert;
        });
        if (fired) result.fired.push(fired.id);
      } else {
        if (breaches.has(sample.subject)) await deleteBreach(db, rule.id, sample.subject);
        if (!existing) continue;
        await db.transaction().execute(async (trx) => {
          const locked = await lockAlert(trx, existing.id);
          if (!locked || locked.status === "RESOLVED") return;
          const resolved = await updateAlert(trx, existing.id, {
            status: "RESOLVED",
            resolvedAt: now,
            resolvedValue: sample.value,
          });
          if (resolved) await queueNotifications(trx, resolved, rule, "ALERT_RESOLVED");
        });
        result.resolved.push(existing.id);
      }
    }
  }
  return result;
}

type AlertViewRow = NonNullable<Awaited<ReturnType<typeof selectAlertView>>>;

function toAlert(r: AlertViewRow): TAlert {
  return {
    id: r.id,
    ruleId: r.ruleId,
    ruleKey: r.ruleKey,
    ruleName: r.ruleName,
    subject: r.subject,
    status: r.status,
    severity: r.severity,
    message: r.message,
    value: r.value,
    threshold: r.threshold,
    firedAt: r.firedAt.toISOString(),
    acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: r.acknowledgedBy,
    resolvedAt: r.resolvedAt?.toISOString() ?? null,
  };
}

const ZAlertKey = z.tuple([ZKeyTime, z.uuid()]);

export async function listAlerts(db: DbOrTrx, raw: unknown = {}): Promise<TPage<TAlert>> {
  const { cursor, limit, status } = ZAlertListInput.parse(raw);
  const before = decodeCursor(cursor, ZAlertKey);
  const rows = await selectAlerts(db, { status }, { limit: limit + 1, before });
  return toPage(rows, limit, toAlert, (r) => [r.keyTime, r.id]);
}

export async function getAlert(db: DbOrTrx, id: string): Promise<TAlert> {
  const row = await selectAlertView(db, id);
  if (!row) throw new DomainError("NOT_FOUND", `No alert ${id}`);
  return toAlert(row);
}

export async function acknowledgeAlert(db: Db, actor: Actor, id: string): Promise<TAlert> {
  await db.transaction().execute(async (trx) => {
    const alert = await lockAlert(trx, id);
    if (!alert) throw new DomainError("NOT_FOUND", `No alert ${id}`);
    if (alert.status !== "FIRING") return;
    await updateAlert(trx, id, {
      status: "ACKNOWLEDGED",
      acknowledgedAt: new Date(),
      acknowledgedBy: actor.label,
    });
    await writeAudit(trx, actor, {
      action: "alerts.acknowledge",
      target: { type: "alert", id },
      before: { status: "FIRING" },
      after: { status: "ACKNOWLEDGED" },
    });
  });
  return getAlert(db, id);
}
