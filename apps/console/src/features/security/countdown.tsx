// "23 h 59 min left", ticking each second, for a secret's overlap.
import { useEffect, useState } from "react";
import { formatUptime } from "../../lib/format";

export function Countdown({ until }: { until: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const left = Date.parse(until) - now;
  return left > 0 ? (
    <span className="nowrap" title={until}>
      {formatUptime(Math.ceil(left / 1000))} left
    </span>
  ) : (
    <span className="nowrap">expired</span>
  );
}
