import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { roleAtLeast, type TSessionUser } from "@radha/core/security/schema";
import { ZSetFlag, type TFlag } from "@radha/core/system/schema";
import { formatDateTime } from "../../lib/format";
import { useTRPC } from "../../lib/trpc";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { Field, fieldErrors } from "../../ui/field";
import { Empty, Loading } from "../../ui/states";
import { StatusChip } from "../../ui/status-chip";
import { Table, type Column } from "../../ui/table";
import { flagsQuery } from "./system-queries";

function FlagValue({ value }: { value: boolean | number }) {
  if (typeof value === "number") return <span className="mono">{value}</span>;
  return <StatusChip tone={value ? "ok" : "neutral"}>{value ? "on" : "off"}</StatusChip>;
}

function columnsFor(user: TSessionUser, onEdit: (f: TFlag) => void): Column<TFlag>[] {
  const cols: Column<TFlag>[] = [
    { header: "Flag", cell: (f) => <span className="mono">{f.key}</span> },
    { header: "Description", cell: (f) => f.description, className: "wide" },
    { header: "Value", cell: (f) => <FlagValue value={f.value} /> },
    {
      header: "Last changed",
      cell: (f) =>
        f.updatedAt ? (
          <>
            {formatDateTime(f.updatedAt)}
            <br />
            <span className="muted small">by {f.updatedBy ?? "unknown"}</span>
          </>
        ) : (
          <span className="muted">default, never changed</span>
        ),
      className: "nowrap",
    },
  ];
  if (roleAtLeast(user.role, "ADMIN")) {
    cols.push({
      header: "Action",
      cell: (f) => (
        <Button
          size="sm"
          onClick={() => onEdit(f)}
          aria-label={
            typeof f.value === "boolean" ? `${f.value ? "Turn off" : "Turn on"} ${f.key}` : `Change ${f.key}`
          }
        >
          {typeof f.value === "boolean" ? (f.value ? "Turn off" : "Turn on") : "Change"}
        </Button>
      ),
    });
  }
  return cols;
}

export function FlagsPanel() {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const flags = useQuery(flagsQuery(trpc));
  const [editing, setEditing] = useState<TFlag | null>(null);
  const isAdmin = roleAtLeast(user.role, "ADMIN");

  return (
    <section aria-labelledby="flags-title" className="section">
      <div className="section-head">
        <h2 id="flags-title">System flags</h2>
        <p className="muted small">
          {isAdmin
            ? "Every change needs a reason and lands in the audit log."
            : "Read-only: only admins can change flags."}
        </p>
      </div>
      {flags.isPending ? <Loading label="Loading flags…" /> : null}
      {flags.isError ? (
        <ErrorBanner title="Could not load flags" error={flags.error} onRetry={() => void flags.refetch()} />
      ) : null}
      {flags.isSuccess && flags.data.length === 0 ? <Empty>No flags are defined.</Empty> : null}
      {flags.isSuccess && flags.data.length > 0 ? (
        <Table
          caption="System flags"
          columns={columnsFor(user, setEditing)}
          rows={flags.data}
          rowKey={(f) => f.key}
        />
      ) : null}
      {editing ? <SetFlagDialog flag={editing} onClose={() => setEditing(null)} /> : null}
    </section>
  );
}

function SetFlagDialog({ flag, onClose }: { flag: TFlag; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const isBool = typeof flag.value === "boolean";
  const [numberText, setNumberText] = useState(String(flag.value));
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const setFlag = useMutation(
    trpc.system.setFlag.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.system.flags.queryKey() });
        onClose();
      },
    }),
  );

  function submit(e: React.SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const value = isBool ? !flag.value : numberText.trim() === "" ? Number.NaN : Number(numberText);
    if (!isBool && !Number.isInteger(value)) {
      setErrors({ value: "Enter a whole number" });
      return;
    }
    const parsed = ZSetFlag.safeParse({ key: flag.key, value, reason });
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error.issues));
      return;
    }
    setErrors({});
    setFlag.mutate(parsed.data);
  }

  const title = isBool ? `${flag.value ? "Turn off" : "Turn on"} ${flag.key}?` : `Change ${flag.key}`;
  return (
    <Dialog open title={title} onClose={onClose}>
      <form onSubmit={submit} noValidate className="form">
        <p className="muted">{flag.description}</p>
        {isBool ? (
          <p>
            Current value: <FlagValue value={flag.value} /> → new value: <FlagValue value={!flag.value} />
          </p>
        ) : (
          <Field label="New value" error={errors.value}>
            {(p) => (
              <input
                {...p}
                type="number"
                inputMode="numeric"
                step={1}
                min={0}
                value={numberText}
                onChange={(e) => {
                  setNumberText(e.target.value);
                  setErrors(({ value: _, ...rest }) => rest);
                }}
              />
            )}
          </Field>
        )}
        <Field label="Reason" hint="Required. Recorded in the audit log." error={errors.reason}>
          {(p) => (
            <textarea
              {...p}
              name="reason"
              rows={3}
              autoFocus
              value={reason}
              onChange={(e) => {
                setReason(e.target.value);
                setErrors(({ reason: _, ...rest }) => rest);
              }}
            />
          )}
        </Field>
        {setFlag.isError ? <ErrorBanner error={setFlag.error} /> : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button
            type="submit"
            variant={isBool && flag.value ? "danger" : "primary"}
            busy={setFlag.isPending}
          >
            {isBool ? (flag.value ? "Turn off" : "Turn on") : "Save"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
