// A status label that carries its meaning in text and a glyph, with colour only as a reinforcement.
export type Tone = "ok" | "warn" | "bad" | "neutral";

const GLYPH: Record<Tone, string> = { ok: "✓", warn: "!", bad: "✕", neutral: "•" };

export function StatusChip({ tone, children }: { tone: Tone; children: React.ReactNode }) {
  return (
    <span className={`chip chip-${tone}`}>
      <span className="chip-glyph" aria-hidden="true">
        {GLYPH[tone]}
      </span>
      {children}
    </span>
  );
}

export function toneForCheck(status: "pass" | "warn" | "fail"): Tone {
  return status === "pass" ? "ok" : status === "warn" ? "warn" : "bad";
}
