// Alerts: what is firing (acknowledge), the rules (admins edit, audited), the notification
// channels (test button) and recent deliveries with their failures.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { roleAtLeast } from "@radha/core/security/schema";
import {
  COMPARISON_SYMBOL,
  type TAlert,
  type TAlertRule,
  type TChannel,
  type TDelivery,
} from "@radha/core/monitoring/schema";
import { formatDateTime } from "../../lib/format";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { ChannelFormDialog } from "./channel-form";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { Field } from "../../ui/field";
import { LoadMore } from "../../ui/load-more";
import { PageHeader } from "../../ui/page-header";
import { Empty, Loading } from "../../ui/states";
import { StatusChip, type Tone } from "../../ui/status-chip";
import { Table, type Column } from "../../ui/table";

const ALERT_TONE: Record<TAlert["status"], Tone> = { FIRING: "bad", ACKNOWLEDGED: "warn", RESOLVED: "ok" };
const DELIVERY_TONE: Record<TDelivery["status"], Tone> = {
  PENDING: "neutral",
  RETRYING: "warn",
  SENT: "ok",
  FAILED: "bad",
};

export function AlertsPage() {
  return (
    <>
      <PageHeader
        title="Alerts"
        description="Rules are checked every minute; a breach must hold for the rule's duration before it fires."
      />
      <AlertsSection />
      <RulesSection />
      <ChannelsSection />
      <DeliveriesSection />
    </>
  );
}

function AlertsSection() {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const queryClient = useQueryClient();
  const alerts = useInfiniteQuery(
    trpc.monitoring.alerts.infiniteQueryOptions(
      { limit: 25 },
      { getNextPageParam: nextCursor, refetchInterval: 30_000 },
    ),
  );
  const ack = useMutation(
    trpc.monitoring.acknowledgeAlert.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.monitoring.alerts.pathKey() }),
    }),
  );
  const columns: Column<TAlert>[] = [
    {
      header: "Status",
      cell: (a) => <StatusChip tone={ALERT_TONE[a.status]}>{a.status.toLowerCase()}</StatusChip>,
    },
    { header: "Severity", cell: (a) => a.severity },
    { header: "Rule", cell: (a) => a.ruleName },
    { header: "What", cell: (a) => <code>{a.message}</code>, className: "wide" },
    { header: "Fired", cell: (a) => formatDateTime(a.firedAt), className: "nowrap" },
    {
      header: "Acknowledged / resolved",
      cell: (a) =>
        a.resolvedAt ? (
          `resolved ${formatDateTime(a.resolvedAt)}`
        ) : a.acknowledgedAt ? (
          `by ${a.acknowledgedBy ?? "?"}`
        ) : roleAtLeast(user.role, "OPERATOR") ? (
          <Button size="sm" busy={ack.isPending} onClick={() => ack.mutate({ id: a.id })}>
            Acknowledge
          </Button>
        ) : (
          "—"
        ),
    },
  ];
  const rows = pageItems(alerts.data);
  return (
    <section className="section" aria-labelledby="alerts-title">
      <div className="section-head">
        <h2 id="alerts-title">Recent alerts</h2>
      </div>
      {alerts.isPending ? <Loading label="Loading alerts…" /> : null}
      {alerts.isError ? <ErrorBanner error={alerts.error} onRetry={() => void alerts.refetch()} /> : null}
      {ack.isError ? <ErrorBanner error={ack.error} /> : null}
      {alerts.isSuccess && rows.length === 0 ? <Empty>No alerts have fired.</Empty> : null}
      {rows.length > 0 ? <Table caption="Alerts" columns={columns} rows={rows} rowKey={(a) => a.id} /> : null}
      <LoadMore query={alerts} />
    </section>
  );
}

function RulesSection() {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const rules = useQuery(trpc.monitoring.rules.queryOptions());
  const [editing, setEditing] = useState<TAlertRule | null>(null);
  const columns: Column<TAlertRule>[] = [
    { header: "Rule", cell: (r) => r.name },
    {
      header: "Condition",
      cell: (r) => (
        <code>
          {r.metric} {COMPARISON_SYMBOL[r.comparison]} {r.threshold}
          {r.volumeMetric && r.minVolume !== null ? ` (when ${r.volumeMetric} ≥ ${r.minVolume})` : ""}
        </code>
      ),
      className: "wide",
    },
    { header: "Hold", cell: (r) => `${Math.round(r.holdSeconds / 60)} min` },
    { header: "Severity", cell: (r) => r.severity },
    {
      header: "State",
      cell: (r) =>
        !r.connected ? (
          <StatusChip tone="warn">not connected</StatusChip>
        ) : r.enabled ? (
          <StatusChip tone="ok">enabled</StatusChip>
        ) : (
          <StatusChip tone="neutral">disabled</StatusChip>
        ),
    },
  ];
  if (roleAtLeast(user.role, "ADMIN"))
    columns.push({
      header: "Action",
      cell: (r) => (
        <Button size="sm" onClick={() => setEditing(r)} aria-label={`Edit ${r.name}`}>
          Edit
        </Button>
      ),
    });
  return (
    <section className="section" aria-labelledby="rules-title">
      <div className="section-head">
        <h2 id="rules-title">Rules</h2>
      </div>
      {rules.isPending ? <Loading label="Loading rules…" /> : null}
      {rules.isError ? <ErrorBanner error={rules.error} /> : null}
      {rules.data ? (
        <Table caption="Alert rules" columns={columns} rows={rules.data} rowKey={(r) => r.id} />
      ) : null}
      {editing ? <EditRuleDialog rule={editing} onClose={() => setEditing(null)} /> : null}
    </section>
  );
}

function EditRuleDialog({ rule, onClose }: { rule: TAlertRule; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [threshold, setThreshold] = useState(String(rule.threshold));
  const [holdMinutes, setHoldMinutes] = useState(String(rule.holdSeconds / 60));
  const [enabled, setEnabled] = useState(rule.enabled);
  const [reason, setReason] = useState("");
  const update = useMutation(
    trpc.monitoring.updateRule.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.monitoring.rules.queryKey() });
        onClose();
      },
    }),
  );
  return (
    <Dialog open title={`Edit rule: ${rule.name}`} onClose={onClose}>
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          update.mutate({
            id: rule.id,
            threshold: Number(threshold),
            holdSeconds: Math.round(Number(holdMinutes) * 60),
            enabled,
            reason,
          });
        }}
      >
        <Field label={`Threshold (${rule.metric} ${COMPARISON_SYMBOL[rule.comparison]} …)`}>
          {(p) => (
            <input
              {...p}
              inputMode="decimal"
              value={threshold}
              onChange={(e) => setThreshold(e.target.value)}
            />
          )}
        </Field>
        <Field label="Hold for (minutes)">
          {(p) => (
            <input
              {...p}
              inputMode="numeric"
              value={holdMinutes}
              onChange={(e) => setHoldMinutes(e.target.value)}
            />
          )}
        </Field>
        <label className="checkbox">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
        </label>
        <Field label="Reason" hint="Required. Recorded in the audit log.">
          {(p) => <textarea {...p} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        {update.isError ? <ErrorBanner error={update.error} /> : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={update.isPending}>
            Save
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function ChannelsSection() {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const queryClient = useQueryClient();
  const channels = useQuery(trpc.monitoring.channels.queryOptions());
  const [editing, setEditing] = useState<TChannel | "new" | null>(null);
  const [deleting, setDeleting] = useState<TChannel | null>(null);
  const refreshChannels = () =>
    queryClient.invalidateQueries({ queryKey: trpc.monitoring.channels.queryKey() });
  const test = useMutation(
    trpc.monitoring.testChannel.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.monitoring.deliveries.pathKey() }),
    }),
  );
  const toggle = useMutation(
    trpc.monitoring.setChannelEnabled.mutationOptions({ onSuccess: refreshChannels }),
  );
  const isAdmin = roleAtLeast(user.role, "ADMIN");
  const columns: Column<TChannel>[] = [
    { header: "Name", cell: (c) => c.name, className: "nowrap" },
    {
      header: "Kind",
      cell: (c) => (c.kind === "EMAIL" ? "e-mail" : c.kind.toLowerCase()),
      className: "nowrap",
    },
    { header: "Severities", cell: (c) => c.severities.join(", ") },
    {
      header: "State",
      cell: (c) =>
        c.enabled ? (
          <StatusChip tone="ok">enabled</StatusChip>
        ) : (
          <StatusChip tone="neutral">disabled</StatusChip>
        ),
    },
    { header: "Target", cell: (c) => <span className="mono small">{c.targetHint}</span>, className: "wide" },
  ];
  if (isAdmin)
    columns.push({
      header: "Action",
      cell: (c) => (
        <div className="row-actions">
          <Button size="sm" onClick={() => test.mutate({ id: c.id })} aria-label={`Send a test to ${c.name}`}>
            Send test
          </Button>
          <Button size="sm" onClick={() => setEditing(c)} aria-label={`Edit ${c.name}`}>
            Edit
          </Button>
          <Button
            size="sm"
            onClick={() => toggle.mutate({ id: c.id, enabled: !c.enabled })}
            aria-label={`${c.enabled ? "Disable" : "Enable"} ${c.name}`}
          >
            {c.enabled ? "Disable" : "Enable"}
          </Button>
          <Button size="sm" variant="danger" onClick={() => setDeleting(c)} aria-label={`Delete ${c.name}`}>
            Delete
          </Button>
        </div>
      ),
    });
  return (
    <section className="section" aria-labelledby="channels-title">
      <div className="section-head">
        <h2 id="channels-title">Notification channels</h2>
        {isAdmin ? (
          <Button size="sm" variant="primary" onClick={() => setEditing("new")}>
            Add channel
          </Button>
        ) : null}
      </div>
      <p className="muted small">
        Secrets (webhook URLs, signing keys, SMTP passwords) are stored sealed and never shown after they are
        saved; the target shows the host and the URL&rsquo;s last characters only.
      </p>
      {test.isSuccess ? <p role="status">Test queued; see its delivery below.</p> : null}
      {test.isError ? <ErrorBanner error={test.error} /> : null}
      {toggle.isError ? <ErrorBanner error={toggle.error} /> : null}
      {channels.isError ? (
        <ErrorBanner error={channels.error} onRetry={() => void channels.refetch()} />
      ) : null}
      {channels.data?.length === 0 ? <Empty>No channels: alerts fire but nobody is told.</Empty> : null}
      {channels.data && channels.data.length > 0 ? (
        <Table caption="Notification channels" columns={columns} rows={channels.data} rowKey={(c) => c.id} />
      ) : null}
      {editing ? (
        <ChannelFormDialog channel={editing === "new" ? null : editing} onClose={() => setEditing(null)} />
      ) : null}
      {deleting ? <DeleteChannelDialog channel={deleting} onClose={() => setDeleting(null)} /> : null}
    </section>
  );
}

function DeleteChannelDialog({ channel, onClose }: { channel: TChannel; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(
    trpc.monitoring.deleteChannel.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.monitoring.channels.queryKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.monitoring.deliveries.pathKey() });
        onClose();
      },
    }),
  );
  return (
    <Dialog open title={`Delete channel: ${channel.name}`} onClose={onClose}>
      <p>
        Its secrets and its delivery history are deleted; alerts routed only here will notify nobody. To pause
        it instead, use Disable.
      </p>
      {remove.isError ? <ErrorBanner error={remove.error} /> : null}
      <div className="form-actions">
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="danger" busy={remove.isPending} onClick={() => remove.mutate({ id: channel.id })}>
          Delete channel
        </Button>
      </div>
    </Dialog>
  );
}

function DeliveriesSection() {
  const trpc = useTRPC();
  const deliveries = useInfiniteQuery(
    trpc.monitoring.deliveries.infiniteQueryOptions(
      { limit: 25 },
      { getNextPageParam: nextCursor, refetchInterval: 10_000 },
    ),
  );
  const rows = pageItems(deliveries.data);
  const columns: Column<TDelivery>[] = [
    {
      header: "Status",
      cell: (d) => <StatusChip tone={DELIVERY_TONE[d.status]}>{d.status.toLowerCase()}</StatusChip>,
    },
    { header: "Channel", cell: (d) => d.channelName },
    { header: "Event", cell: (d) => d.event.toLowerCase().replace("_", " ") },
    { header: "Attempts", cell: (d) => `${d.attempts} / ${d.maxAttempts}`, className: "num" },
    { header: "Last error", cell: (d) => d.lastError ?? <span className="muted">—</span>, className: "wide" },
    { header: "Queued", cell: (d) => formatDateTime(d.createdAt), className: "nowrap" },
  ];
  return (
    <section className="section" aria-labelledby="deliveries-title">
      <div className="section-head">
        <h2 id="deliveries-title">Deliveries</h2>
      </div>
      {deliveries.isError ? <ErrorBanner error={deliveries.error} /> : null}
      {deliveries.isSuccess && rows.length === 0 ? <Empty>Nothing sent yet.</Empty> : null}
      {rows.length > 0 ? (
        <Table caption="Notification deliveries" columns={columns} rows={rows} rowKey={(d) => d.id} />
      ) : null}
      <LoadMore query={deliveries} />
    </section>
  );
}
