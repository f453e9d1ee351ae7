// An incident's acknowledge / resolve timer as a chip: time left, met, or breached.
import type { TTimer } from "@radha/core/incidents/schema";
import { StatusChip } from "../../ui/status-chip";

function minutes(seconds: number): string {
  const m = Math.round(Math.abs(seconds) / 60);
  return m >= 120 ? `${Math.round(m / 60)} h` : `${m} min`;
}

export function TimerChip({ label, timer }: { label: string; timer: TTimer }) {
  if (timer.metAt)
    return (
      <StatusChip
        tone={timer.breached ? "warn" : "ok"}
      >{`${label}: met${timer.breached ? " late" : ""}`}</StatusChip>
    );
  if (timer.breached)
    return (
      <StatusChip tone="bad">{`${label}: BREACHED ${minutes(timer.remainingSeconds ?? 0)} ago`}</StatusChip>
    );
  return <StatusChip tone="neutral">{`${label}: ${minutes(timer.remainingSeconds ?? 0)} left`}</StatusChip>;
}
