// Add or edit a notification channel: Slack-compatible webhook, HMAC-signed generic webhook or
// SMTP e-mail, with the severities routed to it. Secrets (URL, signing secret, SMTP password) are
// write-only: an edit leaves them as they are unless a new value is typed. Validation runs here
// with messages naming what to fix, and the server's answer (same zod schemas) is shown too.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { TChannel, TChannelKind } from "@radha/core/monitoring/schema";
import { SEVERITIES, type TSeverity } from "@radha/core/incidents/schema";
import { useTRPC } from "../../lib/trpc";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { Field } from "../../ui/field";
import "./channel-form.css";

const KIND_LABEL: Record<TChannelKind, string> = {
  SLACK: "Slack-compatible incoming webhook",
  WEBHOOK: "Generic webhook (HMAC-signed)",
  EMAIL: "E-mail (SMTP)",
};

interface FormState {
  kind: TChannelKind;
  name: string;
  severities: TSeverity[];
  url: string;
  signingSecret: string;
  to: string;
  from: string;
  smtpHost: string;
  smtpPort: string;
  smtpSecure: boolean;
  smtpUser: string;
  smtpPassword: string;
  removePassword: boolean;
}

type Errors = Partial<Record<keyof FormState, string>>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function initial(channel: TChannel | null): FormState {
  const e = channel?.email;
  return {
    kind: channel?.kind ?? "SLACK",
    name: channel?.name ?? "",
    severities: channel?.severities ?? [...SEVERITIES],
    url: "",
    signingSecret: "",
    to: e?.to.join(", ") ?? "",
    from: e?.from ?? "",
    smtpHost: e?.smtpHost ?? "",
    smtpPort: String(e?.smtpPort ?? 587),
    smtpSecure: e?.smtpSecure ?? false,
    smtpUser: e?.smtpUser ?? "",
    smtpPassword: "",
    removePassword: false,
  };
}

const recipients = (to: string) =>
  to
    .split(/[,;\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** Messages a person can act on; empty when the form can be sent. */
function validateChannelForm(f: FormState, editing: boolean): Errors {
  const errors: Errors = {};
  if (!f.name.trim()) errors.name = "Give the channel a name, e.g. ops-room.";
  else if (f.name.trim().length > 100) errors.name = "Keep the name under 100 characters.";
  if (!f.severities.length) errors.severities = "Tick at least one severity, or the channel never sends.";
  if (f.kind === "EMAIL") {
    const to = recipients(f.to);
    if (!to.length) errors.to = "Add at least one recipient address.";
    else {
      const bad = to.find((a) => !EMAIL.test(a));
      if (bad) errors.to = `"${bad}" is not an e-mail address.`;
      else if (to.length > 20) errors.to = "At most 20 recipients; use a mailing list for more.";
    }
    if (!EMAIL.test(f.from.trim()))
      errors.from = "The sender must be an e-mail address, e.g. ops@example.com.";
    if (!f.smtpHost.trim()) errors.smtpHost = "The SMTP server's host name, e.g. smtp.example.com.";
    const port = Number(f.smtpPort);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      errors.smtpPort = "A port from 1 to 65535 (587 for STARTTLS, 465 for TLS).";
    if (f.smtpPassword && !f.smtpUser.trim())
      errors.smtpUser = "A password needs a user name to log in with.";
  } else {
    const url = f.url.trim();
    if (!url && !editing) errors.url = "Paste the webhook URL the receiver gave you.";
    else if (url) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        parsed = undefined;
      }
      if (!parsed || !/^https?:$/.test(parsed.protocol))
        errors.url = "Use a full http(s) URL, e.g. https://hooks.slack.com/services/….";
    }
    if (f.kind === "WEBHOOK" && f.signingSecret && f.signingSecret.length < 16)
      errors.signingSecret = "At least 16 characters, or leave empty to have one generated.";
  }
  return errors;
}

function createInput(f: FormState) {
  const base = { name: f.name.trim(), severities: f.severities };
  if (f.kind === "EMAIL")
    return {
      ...base,
      kind: "EMAIL" as const,
      to: recipients(f.to),
      from: f.from.trim(),
      smtpHost: f.smtpHost.trim(),
      smtpPort: Number(f.smtpPort),
      smtpSecure: f.smtpSecure,
      ...(f.smtpUser.trim() ? { smtpUser: f.smtpUser.trim() } : {}),
      ...(f.smtpPassword ? { smtpPassword: f.smtpPassword } : {}),
    };
  if (f.kind === "WEBHOOK")
    return {
      ...base,
      kind: "WEBHOOK" as const,
      url: f.url.trim(),
      ...(f.signingSecret ? { signingSecret: f.signingSecret } : {}),
    };
  return { ...base, kind: "SLACK" as const, url: f.url.trim() };
}

function updateInput(id: string, f: FormState) {
  const base = { id, name: f.name.trim(), severities: f.severities };
  if (f.kind === "EMAIL")
    return {
      ...base,
      to: recipients(f.to),
      from: f.from.trim(),
      smtpHost: f.smtpHost.trim(),
      smtpPort: Number(f.smtpPort),
      smtpSecure: f.smtpSecure,
      smtpUser: f.smtpUser.trim() || null,
      ...(f.removePassword ? { smtpPassword: null } : f.smtpPassword ? { smtpPassword: f.smtpPassword } : {}),
    };
  return {
    ...base,
    ...(f.url.trim() ? { url: f.url.trim() } : {}),
    ...(f.kind === "WEBHOOK" && f.signingSecret ? { signingSecret: f.signingSecret } : {}),
  };
}

export function ChannelFormDialog({ channel, onClose }: { channel: TChannel | null; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const editing = channel !== null;
  const [form, setForm] = useState<FormState>(() => initial(channel));
  const [errors, setErrors] = useState<Errors>({});
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  };
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.monitoring.channels.queryKey() });
  const create = useMutation(trpc.monitoring.createChannel.mutationOptions({ onSuccess: refresh }));
  const update = useMutation(
    trpc.monitoring.updateChannel.mutationOptions({
      onSuccess: async () => {
        await refresh();
        onClose();
      },
    }),
  );
  const mutation = editing ? update : create;

  if (create.data)
    return (
      <Dialog open title="Channel added" onClose={onClose}>
        <p>
          The channel &ldquo;{create.data.channel.name}&rdquo; sends to{" "}
          <span className="mono">{create.data.channel.targetHint}</span>. Use &ldquo;Send test&rdquo; to check
          it.
        </p>
        {create.data.signingSecret ? (
          <p>
            Signing secret (shown once; receivers verify the <code>x-radha-signature</code> header with it):{" "}
            <code className="mono">{create.data.signingSecret}</code>
          </p>
        ) : null}
        <div className="form-actions">
          <Button variant="primary" onClick={onClose}>
            Done
          </Button>
        </div>
      </Dialog>
    );

  const keepHint = editing ? "Leave empty to keep the current one (never shown)." : undefined;
  return (
    <Dialog
      open
      title={editing ? `Edit channel: ${channel.name}` : "Add a notification channel"}
      onClose={onClose}
    >
      <form
        className="form"
        noValidate
        aria-label={editing ? "Edit channel" : "Add channel"}
        onSubmit={(e) => {
          e.preventDefault();
          const found = validateChannelForm(form, editing);
          setErrors(found);
          if (Object.values(found).some(Boolean)) return;
          if (channel) update.mutate(updateInput(channel.id, form));
          else create.mutate(createInput(form));
        }}
      >
        {editing ? (
          <p className="muted small">
            {KIND_LABEL[form.kind]} · secret fingerprint{" "}
            <span className="mono">{channel.secretFingerprint ?? "none"}</span>
          </p>
        ) : (
          <Field label="Kind">
            {(p) => (
              <select {...p} value={form.kind} onChange={(e) => set("kind", e.target.value as TChannelKind)}>
                {(Object.keys(KIND_LABEL) as TChannelKind[]).map((k) => (
                  <option key={k} value={k}>
                    {KIND_LABEL[k]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <Field label="Name" error={errors.name}>
          {(p) => <input {...p} value={form.name} onChange={(e) => set("name", e.target.value)} />}
        </Field>
        <fieldset className="field severity-routing" aria-describedby="severity-hint">
          <legend>Severities sent here</legend>
          <div className="row-actions">
            {SEVERITIES.map((s) => (
              <label key={s} className="checkbox">
                <input
                  type="checkbox"
                  checked={form.severities.includes(s)}
                  onChange={(e) =>
                    set(
                      "severities",
                      e.target.checked
                        ? [...form.severities, s].sort()
                        : form.severities.filter((x) => x !== s),
                    )
                  }
                />{" "}
                {s}
              </label>
            ))}
          </div>
          <p id="severity-hint" className="field-hint">
            P0 critical … P3 low: an alert goes to every enabled channel routed its severity.
          </p>
          {errors.severities ? <p className="field-error">{errors.severities}</p> : null}
        </fieldset>
        {form.kind === "EMAIL" ? (
          <>
            <Field label="To" hint="One or more addresses, separated by commas." error={errors.to}>
              {(p) => <input {...p} value={form.to} onChange={(e) => set("to", e.target.value)} />}
            </Field>
            <Field label="From" error={errors.from}>
              {(p) => (
                <input {...p} type="email" value={form.from} onChange={(e) => set("from", e.target.value)} />
              )}
            </Field>
            <div className="channel-form-pair">
              <Field label="SMTP host" error={errors.smtpHost}>
                {(p) => (
                  <input {...p} value={form.smtpHost} onChange={(e) => set("smtpHost", e.target.value)} />
                )}
              </Field>
              <Field label="SMTP port" error={errors.smtpPort}>
                {(p) => (
                  <input
                    {...p}
                    inputMode="numeric"
                    value={form.smtpPort}
                    onChange={(e) => set("smtpPort", e.target.value)}
                  />
                )}
              </Field>
            </div>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={form.smtpSecure}
                onChange={(e) => set("smtpSecure", e.target.checked)}
              />{" "}
              TLS from the start (port 465); otherwise STARTTLS when the server offers it
            </label>
            <div className="channel-form-pair even">
              <Field
                label="SMTP user"
                hint="Optional: leave empty for a relay without login."
                error={errors.smtpUser}
              >
                {(p) => (
                  <input {...p} value={form.smtpUser} onChange={(e) => set("smtpUser", e.target.value)} />
                )}
              </Field>
              <Field
                label="SMTP password"
                hint={
                  editing
                    ? channel.email?.hasPassword
                      ? "A password is stored. Leave empty to keep it (never shown)."
                      : "No password stored."
                    : "Stored sealed; never shown again."
                }
                error={errors.smtpPassword}
              >
                {(p) => (
                  <input
                    {...p}
                    type="password"
                    autoComplete="new-password"
                    value={form.smtpPassword}
                    disabled={form.removePassword}
                    onChange={(e) => set("smtpPassword", e.target.value)}
                  />
                )}
              </Field>
            </div>
            {editing && channel.email?.hasPassword ? (
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={form.removePassword}
                  onChange={(e) => set("removePassword", e.target.checked)}
                />{" "}
                Remove the stored password
              </label>
            ) : null}
          </>
        ) : (
          <>
            <Field
              label="URL"
              hint={
                editing
                  ? `Now ${channel.targetHint}. ${keepHint ?? ""}`
                  : "Kept secret: stored sealed and never shown again."
              }
              error={errors.url}
            >
              {(p) => (
                <input
                  {...p}
                  type="url"
                  autoComplete="off"
                  value={form.url}
                  onChange={(e) => set("url", e.target.value)}
                />
              )}
            </Field>
            {form.kind === "WEBHOOK" ? (
              <Field
                label="Signing secret"
                hint={keepHint ?? "Optional: leave empty to have one generated (shown once)."}
                error={errors.signingSecret}
              >
                {(p) => (
                  <input
                    {...p}
                    type="password"
                    autoComplete="new-password"
                    value={form.signingSecret}
                    onChange={(e) => set("signingSecret", e.target.value)}
                  />
                )}
              </Field>
            ) : null}
          </>
        )}
        {mutation.isError ? <ErrorBanner error={mutation.error} /> : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={mutation.isPending}>
            {editing ? "Save" : "Add"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
