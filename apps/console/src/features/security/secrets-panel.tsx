// Webhook secrets (receiver side): fingerprints and states, add with an overlap (countdown),
// expire or revoke. A generated Razorpay secret is shown once, here, after adding.
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ZAddWebhookSecret, type TWebhookSecretInfo } from "@radha/core/secops/schema";
import type { TProvider } from "@radha/core/webhooks/schema";
import { formatDateTimeShort } from "../../lib/format";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { Field, fieldErrors } from "../../ui/field";
import { LoadMore } from "../../ui/load-more";
import { Empty, Loading } from "../../ui/states";
import { StatusChip, type Tone } from "../../ui/status-chip";
import { Table, type Column } from "../../ui/table";
import { CopyButton } from "../tokens/copy-button";
import { Countdown } from "./countdown";
import { ReasonDialog } from "./reason-dialog";

const TONE: Record<TWebhookSecretInfo["state"], Tone> = {
  ACTIVE: "ok",
  EXPIRING: "warn",
  EXPIRED: "neutral",
  REVOKED: "bad",
};

export function SecretsPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const secrets = useInfiniteQuery(
    trpc.security.webhookSecrets.infiniteQueryOptions({}, { getNextPageParam: nextCursor }),
  );
  const rows = pageItems(secrets.data);
  const [adding, setAdding] = useState(false);
  const [generated, setGenerated] = useState<string | null>(null);
  const [ending, setEnding] = useState<{ secret: TWebhookSecretInfo; how: "expire" | "revoke" } | null>(null);
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.security.webhookSecrets.infiniteQueryKey() });
  const expire = useMutation(trpc.security.expireWebhookSecret.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(trpc.security.revokeWebhookSecret.mutationOptions({ onSuccess: refresh }));
  const end = ending?.how === "revoke" ? revoke : expire;

  const columns: Column<TWebhookSecretInfo>[] = [
    // Provider and fingerprint share a column (one above the other) so the table fits beside the
    // navigation at 1024 px without scrolling its Revoke buttons out of view.
    {
      header: "Secret",
      cell: (s) => (
        <>
          <div>
            {s.provider}
            {s.source === "environment" ? <span className="tag">from environment</span> : null}
          </div>
          <code className="small">{s.fingerprint}</code>
        </>
      ),
    },
    {
      header: "State",
      // The countdown on its own line: inline it widened the table until Revoke was clipped.
      cell: (s) => (
        <>
          <StatusChip tone={TONE[s.state]}>{s.state.toLowerCase()}</StatusChip>
          {s.state === "EXPIRING" && s.expiresAt ? (
            <div className="small muted">
              <Countdown until={s.expiresAt} />
            </div>
          ) : null}
        </>
      ),
    },
    { header: "Created", cell: (s) => (s.createdAt ? formatDateTimeShort(s.createdAt) : "—") },
    {
      header: "Last verified",
      cell: (s) =>
        s.lastVerifiedAt ? formatDateTimeShort(s.lastVerifiedAt) : <span className="muted">never</span>,
    },
    {
      header: "Actions",
      className: "actions",
      cell: (s) =>
        s.id && (s.state === "ACTIVE" || s.state === "EXPIRING") ? (
          <span className="row-actions">
            <Button size="sm" onClick={() => setEnding({ secret: s, how: "expire" })}>
              Expire
            </Button>
            <Button size="sm" variant="danger" onClick={() => setEnding({ secret: s, how: "revoke" })}>
              Revoke
            </Button>
          </span>
        ) : null,
    },
  ];

  return (
    <section className="section" aria-labelledby="secrets-title">
      <div className="section-head">
        <h2 id="secrets-title">Webhook secrets</h2>
        <Button variant="primary" onClick={() => setAdding(true)}>
          Add secret
        </Button>
      </div>
      <p className="muted small">
        Every secret listed as active or expiring verifies deliveries. Adding one starts an overlap: the
        provider's previous secrets keep working until it ends. Values are never shown again.
      </p>
      {generated ? (
        <section className="banner banner-warn new-token" role="region" aria-label="New Razorpay secret">
          <span className="banner-glyph" aria-hidden="true">
            !
          </span>
          <div className="banner-body">
            <strong>Razorpay webhook secret created: paste it into Razorpay's webhook settings now</strong>
            <p>This is the only time it is shown.</p>
            <div className="token-row">
              <code className="token-value" data-testid="new-secret">
                {generated}
              </code>
              <CopyButton text={generated} what="secret" />
            </div>
          </div>
          <Button size="sm" onClick={() => setGenerated(null)}>
            I have stored it
          </Button>
        </section>
      ) : null}
      {secrets.isPending ? <Loading label="Loading secrets…" /> : null}
      {secrets.isError ? <ErrorBanner title="Could not load secrets" error={secrets.error} /> : null}
      {secrets.isSuccess && rows.length === 0 ? (
        <Empty>No webhook secrets: deliveries are refused until one is set or added.</Empty>
      ) : null}
      {rows.length > 0 ? (
        <>
          <Table
            caption="Webhook secrets"
            columns={columns}
            rows={rows}
            rowKey={(s) => s.id ?? `env-${s.provider}`}
            rowClassName={(s) => (s.state === "EXPIRED" || s.state === "REVOKED" ? "row-dim" : undefined)}
          />
          <LoadMore query={secrets} />
        </>
      ) : null}
      {adding ? (
        <AddSecretDialog
          onClose={() => setAdding(false)}
          onAdded={async (secret) => {
            await refresh();
            setAdding(false);
            setGenerated(secret);
          }}
        />
      ) : null}
      {ending ? (
        <ReasonDialog
          title={`${ending.how === "revoke" ? "Revoke" : "Expire"} ${ending.secret.provider} secret ${ending.secret.fingerprint}?`}
          confirmLabel={ending.how === "revoke" ? "Revoke secret" : "Expire now"}
          danger={ending.how === "revoke"}
          busy={end.isPending}
          error={end.error}
          onClose={() => setEnding(null)}
          onConfirm={(reason) =>
            end.mutate({ id: ending.secret.id ?? "", reason }, { onSuccess: () => setEnding(null) })
          }
        >
          <p>
            Deliveries signed with it are refused from now on
            {ending.secret.lastVerifiedAt
              ? ` (it last verified one ${formatDateTimeShort(ending.secret.lastVerifiedAt)})`
              : ""}
            .
          </p>
        </ReasonDialog>
      ) : null}
    </section>
  );
}

function AddSecretDialog({
  onClose,
  onAdded,
}: {
  onClose: () => void;
  onAdded: (secret: string | null) => Promise<void>;
}) {
  const trpc = useTRPC();
  const [provider, setProvider] = useState<TProvider>("STRIPE");
  const [secret, setSecret] = useState("");
  const [overlap, setOverlap] = useState("24h");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const add = useMutation(
    trpc.security.addWebhookSecret.mutationOptions({ onSuccess: (r) => onAdded(r.secret) }),
  );
  const generate = provider === "RAZORPAY" && secret === "";

  return (
    <Dialog open title="Add webhook secret" onClose={onClose}>
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const parsed = ZAddWebhookSecret.safeParse({
            provider,
            ...(generate ? { generate: true } : { secret }),
            overlap,
            reason,
          });
          if (!parsed.success) {
            setErrors(fieldErrors(parsed.error.issues));
            return;
          }
          setErrors({});
          add.mutate(parsed.data);
        }}
      >
        <Field label="Provider" error={errors.provider}>
          {(p) => (
            <select {...p} value={provider} onChange={(e) => setProvider(e.target.value as TProvider)}>
              <option value="STRIPE">Stripe</option>
              <option value="RAZORPAY">Razorpay</option>
            </select>
          )}
        </Field>
        <Field
          label="Secret"
          hint={
            provider === "STRIPE"
              ? "Paste the new signing secret from Stripe's dashboard (whsec_…) after rolling it."
              : "Leave empty to generate one here (shown once), or paste the one you set in Razorpay."
          }
          error={errors.secret ?? errors.generate}
        >
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="off"
              value={secret}
              onChange={(e) => setSecret(e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Overlap"
          hint="How long the previous secrets keep working: 24h (Stripe's maximum), 90m, 0s."
          error={errors.overlap}
        >
          {(p) => <input {...p} value={overlap} onChange={(e) => setOverlap(e.target.value)} />}
        </Field>
        <Field label="Reason" hint="Recorded in the audit log with your name." error={errors.reason}>
          {(p) => <input {...p} value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        {add.isError ? <ErrorBanner error={add.error} /> : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={add.isPending}>
            {generate ? "Generate secret" : "Add secret"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
