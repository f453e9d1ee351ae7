// Display helpers for times and durations. The wire carries UTC ISO strings.

/** A date formatter made on first use: each one costs milliseconds, and a page uses few. */
function dateFormat(options: Intl.DateTimeFormatOptions): (d: Date) => string {
  let format: Intl.DateTimeFormat | undefined;
  return (d) => (format ??= new Intl.DateTimeFormat(undefined, options)).format(d);
}

const dateTime = dateFormat({ dateStyle: "medium", timeStyle: "medium" });

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime(d);
}

const dateTimeShort = dateFormat({ dateStyle: "medium", timeStyle: "short" });
const dateOnly = dateFormat({ dateStyle: "medium" });

/** To the minute, for lists where seconds are noise. */
export function formatDateTimeShort(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTimeShort(d);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateOnly(d);
}

export function formatDuration(ms: number): string {
  if (ms < 1) return "<1 ms";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function formatUptime(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days`;
}
