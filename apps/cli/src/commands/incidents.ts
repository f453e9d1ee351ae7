// ops incidents …: declare, follow and review incidents (the same services as the console).
import { InvalidArgumentError, type Command } from "commander";
import {
  addIncidentNote,
  declareIncident,
  getIncident,
  incidentToMarkdown,
  listIncidents,
  reviewIncident,
  setIncidentStatus,
} from "@radha/core/incidents";
import {
  INCIDENT_STATUSES,
  SEVERITIES,
  type TIncident,
  type TIncidentDetail,
  type TIncidentStatus,
  type TSeverity,
  type TTimer,
} from "@radha/core/incidents/schema";
import { contextFor } from "../lib/context";
import { examples, parseUuid } from "../lib/options";
import { pagingOptions, printNextPage, type PagingOptions } from "../lib/paging";
import type { Output } from "../lib/output";

function parseEnum<T extends string>(values: readonly T[], what: string) {
  return (value: string): T => {
    const v = value.trim().toUpperCase();
    if ((values as readonly string[]).includes(v)) return v as T;
    throw new InvalidArgumentError(`"${value}" is not a ${what}; use one of ${values.join(", ")}.`);
  };
}

/** --action "text @owner" (repeatable): an action item and who owns it. */
function parseActionItem(value: string, previous: { text: string; owner: string }[] = []) {
  const m = /^(.+?)\s+@(\S+)\s*$/.exec(value.trim());
  if (!m?.[1] || !m[2]) throw new InvalidArgumentError(`"${value}": write an action item as "text @owner".`);
  return [...previous, { text: m[1], owner: m[2] }];
}

function timerText(t: TTimer): string {
  if (t.metAt) return `met ${t.metAt}${t.breached ? " (LATE)" : ""}`;
  const mins = Math.round((t.remainingSeconds ?? 0) / 60);
  return t.breached ? `BREACHED ${-mins} min ago` : `${mins} min left`;
}

function printIncident(out: Output, i: TIncidentDetail): void {
  out.line(`${i.severity} ${i.status}  ${i.title}`);
  out.line(`id ${i.id}`);
  out.line(`declared ${i.declaredAt} by ${i.declaredBy ?? "?"}`);
  out.line(`acknowledge: ${timerText(i.timers.acknowledge)}   resolve: ${timerText(i.timers.resolve)}`);
  out.line();
  out.table(
    ["time", "source", "what", "who"],
    i.timeline.map((e) => [e.at, e.source, e.text, e.actor]),
  );
  if (i.review) {
    out.line();
    out.line(`Review: ${i.review.summary}`);
    for (const a of i.review.actionItems) out.line(`  - ${a.text} (owner ${a.owner})`);
  }
}

export function registerIncidentsCommands(program: Command): void {
  const incidents = program
    .command("incidents")
    .description("Incidents: declare, list, show, note, status, review, export")
    .addHelpText(
      "after",
      examples(
        'ops incidents declare --severity P1 --title "Stripe webhooks failing"',
        "ops incidents list",
        "ops incidents show <id>",
        'ops incidents status <id> IDENTIFIED --note "expired webhook secret"',
        "ops incidents export <id> > incident.md",
      ),
    );

  incidents
    .command("declare")
    .description("Declare an incident; prints it with its id")
    .requiredOption(
      "--severity <P0..P3>",
      "P0 (15 min) · P1 (1 h) · P2 (4 h) · P3 (1 business day)",
      parseEnum(SEVERITIES, "severity"),
    )
    .requiredOption("--title <title>", "what is happening, in a line")
    .option("--alert <id>", "the alert it comes from", parseUuid("alert"))
    .option("--note <text>", "a first note for the timeline")
    .action(
      async (
        opts: { severity: TSeverity; title: string; alert?: string; note?: string },
        command: Command,
      ) => {
        const { out, actor, withDb } = contextFor(command);
        const incident = await withDb((db) =>
          declareIncident(db, actor, {
            title: opts.title,
            severity: opts.severity,
            ...(opts.alert ? { alertId: opts.alert } : {}),
            ...(opts.note ? { note: opts.note } : {}),
          }),
        );
        out.result(incident, (i) => {
          out.line(`Declared ${i.severity} incident ${i.id}: ${i.title}`);
          out.line(`Acknowledge by ${i.timers.acknowledge.dueAt}; resolve by ${i.timers.resolve.dueAt}.`);
        });
      },
    );

  pagingOptions(
    incidents
      .command("list")
      .description("Incidents, newest first")
      .option("--status <status>", INCIDENT_STATUSES.join(", "), parseEnum(INCIDENT_STATUSES, "status")),
    { default: 50, max: 200 },
  ).action(async (opts: PagingOptions & { status?: TIncidentStatus }, command: Command) => {
    const { out, withDb } = contextFor(command);
    const page = await withDb((db) => listIncidents(db, opts));
    out.result(page, (p) => {
      if (p.items.length === 0) {
        out.line('No incidents. Declare one with: ops incidents declare --severity P1 --title "…"');
        return;
      }
      out.table(
        ["id", "sev", "status", "title", "declared", "ack", "resolve"],
        p.items.map((i: TIncident) => [
          i.id,
          i.severity,
          i.status,
          i.title,
          i.declaredAt,
          timerText(i.timers.acknowledge),
          timerText(i.timers.resolve),
        ]),
      );
      printNextPage(out, p);
    });
  });

  incidents
    .command("show")
    .description("An incident with its timers and timeline")
    .argument("<id>", "incident id", parseUuid("incident"))
    .action(async (id: string, _opts: unknown, command: Command) => {
      const { out, withDb } = contextFor(command);
      const incident = await withDb((db) => getIncident(db, id));
      out.result(incident, (i) => printIncident(out, i));
    });

  incidents
    .command("note")
    .description("Add a note to the timeline (a first note acknowledges the incident)")
    .argument("<id>", "incident id", parseUuid("incident"))
    .argument("<text>", "the note")
    .action(async (id: string, text: string, _opts: unknown, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const incident = await withDb((db) => addIncidentNote(db, actor, { id, text }));
      out.result(incident, (i) => out.line(`Noted on ${i.id} (${i.timeline.length} timeline entries).`));
    });

  incidents
    .command("status")
    .description("Move an incident: INVESTIGATING, IDENTIFIED, MONITORING, RESOLVED")
    .argument("<id>", "incident id", parseUuid("incident"))
    .argument("<state>", "new state", parseEnum(INCIDENT_STATUSES, "state"))
    .option("--note <text>", "why, for the timeline")
    .action(async (id: string, state: TIncidentStatus, opts: { note?: string }, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const incident = await withDb((db) =>
        setIncidentStatus(db, actor, { id, status: state, ...(opts.note ? { note: opts.note } : {}) }),
      );
      out.result(incident, (i) => out.line(`Incident ${i.id} is ${i.status}.`));
    });

  incidents
    .command("review")
    .description("Record the post-incident review of a resolved incident (marks it REVIEWED)")
    .argument("<id>", "incident id", parseUuid("incident"))
    .requiredOption("--summary <text>", "what happened")
    .requiredOption("--impact <text>", "who was affected and how")
    .requiredOption("--root-cause <text>", "why it happened")
    .option("--action <text @owner>", "an action item with its owner (repeatable)", parseActionItem)
    .addHelpText(
      "after",
      examples(
        'ops incidents review <id> --summary "…" --impact "…" --root-cause "…" --action "Add index @dba@radha.test"',
      ),
    )
    .action(
      async (
        id: string,
        opts: {
          summary: string;
          impact: string;
          rootCause: string;
          action?: { text: string; owner: string }[];
        },
        command: Command,
      ) => {
        const { out, actor, withDb } = contextFor(command);
        const incident = await withDb((db) =>
          reviewIncident(db, actor, {
            id,
            summary: opts.summary,
            impact: opts.impact,
            rootCause: opts.rootCause,
            actionItems: opts.action ?? [],
          }),
        );
        out.result(incident, (i) =>
          out.line(`Incident ${i.id} reviewed: ${i.review?.actionItems.length ?? 0} action item(s).`),
        );
      },
    );

  incidents
    .command("export")
    .description("The incident as Markdown on stdout")
    .argument("<id>", "incident id", parseUuid("incident"))
    .action(async (id: string, _opts: unknown, command: Command) => {
      const { out, withDb } = contextFor(command);
      const incident = await withDb((db) => getIncident(db, id));
      const markdown = incidentToMarkdown(incident);
      out.result({ markdown }, () => process.stdout.write(markdown));
    });
}
