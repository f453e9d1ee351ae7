// An incident as a Markdown document: header, timers, timeline and the review.
import type { TIncidentDetail, TTimer } from "./incidents.schema";

function timerLine(name: string, t: TTimer): string {
  const state = t.metAt ? `met at ${t.metAt}` : `running (${t.remainingSeconds ?? 0} s left)`;
  return `- ${name}: due ${t.dueAt}, ${state}${t.breached ? " — **BREACHED**" : ""}`;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

export function incidentToMarkdown(i: TIncidentDetail): string {
  const lines = [
    `# ${i.severity} incident: ${i.title}`,
    "",
    `- Id: \`${i.id}\``,
    `- Status: ${i.status}`,
    `- Declared: ${i.declaredAt} by ${i.declaredBy ?? "unknown"}`,
    `- Acknowledged: ${i.acknowledgedAt ?? "not yet"}${i.acknowledgedBy ? ` by ${i.acknowledgedBy}` : ""}`,
    `- Resolved: ${i.resolvedAt ?? "not yet"}`,
    timerLine("Acknowledge target", i.timers.acknowledge),
    timerLine("Resolve target", i.timers.resolve),
    "",
    "## Timeline",
    "",
    "| time (UTC) | source | what | who |",
    "| --- | --- | --- | --- |",
    ...i.timeline.map((e) => `| ${e.at} | ${e.source} | ${cell(e.text)} | ${cell(e.actor ?? "")} |`),
  ];
  if (i.review) {
    lines.push(
      "",
      "## Post-incident review",
      "",
      "### Summary",
      "",
      i.review.summary,
      "",
      "### Impact",
      "",
      i.review.impact,
      "",
      "### Root cause",
      "",
      i.review.rootCause,
      "",
      "### Action items",
      "",
      ...(i.review.actionItems.length
        ? i.review.actionItems.map(
            (a) => `- [ ] ${a.text} — owner: ${a.owner}${a.due ? `, due ${a.due}` : ""}`,
          )
        : ["(none)"]),
    );
  }
  return `${lines.join("\n")}\n`;
}
