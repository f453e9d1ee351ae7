// Turns metric series (one per metric and subject) into chart rows keyed by sample time.
import type { TMetricSeries } from "@radha/core/monitoring/schema";

export interface ChartLine {
  key: string;
  metric: string;
  subject?: string;
  label: string;
  colour: string;
  scale?: number;
}

export function toChartRows(series: readonly TMetricSeries[], lines: readonly ChartLine[]) {
  const rows = new Map<string, Record<string, number | string>>();
  for (const line of lines) {
    const s = series.find((x) => x.metric === line.metric && x.subject === (line.subject ?? ""));
    for (const p of s?.points ?? []) {
      const row = rows.get(p.at) ?? { at: p.at };
      row[line.key] = Math.round(p.value * (line.scale ?? 1) * 1000) / 1000;
      rows.set(p.at, row);
    }
  }
  return [...rows.values()].sort((a, b) => String(a.at).localeCompare(String(b.at)));
}
