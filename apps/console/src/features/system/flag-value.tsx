import { StatusChip } from "../../ui/status-chip";

/** A flag's value: on/off as a chip, a number as itself. */
export function FlagValue({ value }: { value: boolean | number }) {
  if (typeof value === "number") return <span className="mono">{value}</span>;
  return <StatusChip tone={value ? "ok" : "neutral"}>{value ? "on" : "off"}</StatusChip>;
}
