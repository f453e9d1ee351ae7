// RTO and RPO of past restore drills, oldest to newest (recharts: loaded only with this chart).
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { TDrill } from "@radha/core/dbops/schema";

export function DrillsChart({ drills }: { drills: TDrill[] }) {
  const data = [...drills]
    .reverse()
    .map((d) => ({ at: d.startedAt.slice(5, 16).replace("T", " "), rto: d.rtoSeconds, rpo: d.rpoSeconds }));
  return (
    <div className="chart" role="img" aria-label="Restore drill RTO and RPO over time, in seconds">
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="at" />
          <YAxis unit=" s" />
          <Tooltip />
          <Legend />
          <Line type="monotone" dataKey="rto" name="RTO (restore to usable)" stroke="#2563eb" />
          <Line type="monotone" dataKey="rpo" name="RPO (data age)" stroke="#d97706" />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
