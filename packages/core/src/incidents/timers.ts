// Response timers: when an incident must be acknowledged and resolved, and whether it was late.
import { SEVERITY_TARGETS, type TSeverity, type TTimer } from "./incidents.schema";

const MINUTE = 60_000;

/** Adds whole days skipping Saturday and Sunday (UTC). */
function addBusinessDays(from: Date, days: number): Date {
  const d = new Date(from);
  let left = days;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const day = d.getUTCDay();
    if (day !== 0 && day !== 6) left -= 1;
  }
  return d;
}

export function dueAt(severity: TSeverity, declaredAt: Date, kind: "ack" | "resolve"): Date {
  const target = SEVERITY_TARGETS[severity];
  const minutes = kind === "ack" ? target.ackMinutes : target.resolveMinutes;
  // P3 is counted in business days: a Friday-evening P3 is due on Monday evening.
  if (severity === "P3") return addBusinessDays(declaredAt, Math.round(minutes / (24 * 60)));
  return new Date(declaredAt.getTime() + minutes * MINUTE);
}

export function timerState(due: Date, metAt: Date | null, now: Date): TTimer {
  const end = metAt ?? now;
  return {
    dueAt: due.toISOString(),
    metAt: metAt?.toISOString() ?? null,
    breached: end.getTime() > due.getTime(),
    remainingSeconds: metAt ? null : Math.round((due.getTime() - now.getTime()) / 1000),
  };
}
