import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  STAFF_ROLES,
  ZCreateServiceToken,
  type TServiceTokenInfo,
  type TStaffRole,
} from "@radha/core/security/schema";
import { formatDate, formatDateTimeShort } from "../../lib/format";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { Field, fieldErrors } from "../../ui/field";
import { PageHeader } from "../../ui/page-header";
import { LoadMore } from "../../ui/load-more";
import { Empty, Loading } from "../../ui/states";
import { StatusChip } from "../../ui/status-chip";
import { Table, type Column } from "../../ui/table";
import { CopyButton } from "./copy-button";

interface NewToken {
  token: string;
  info: TServiceTokenInfo;
}

export function TokensPage() {
  const trpc = useTRPC();
  const tokens = useInfiniteQuery(
    trpc.tokens.list.infiniteQueryOptions({}, { getNextPageParam: nextCursor }),
  );
  const rows = pageItems(tokens.data);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<TServiceTokenInfo | null>(null);
  const [created, setCreated] = useState<NewToken | null>(null);

  const columns: Column<TServiceTokenInfo>[] = [
    { header: "Name", cell: (t) => <strong className="mono">{t.name}</strong> },
    { header: "Role", cell: (t) => <span className="role-badge">{t.role}</span> },
    { header: "Prefix", cell: (t) => <code>{t.tokenPrefix}…</code> },
    { header: "Owner", cell: (t) => t.ownerEmail ?? <span className="muted">none (refused)</span> },
    { header: "Created", cell: (t) => formatDate(t.createdAt), className: "nowrap" },
    { header: "Expires", cell: (t) => formatDate(t.expiresAt), className: "nowrap" },
    {
      header: "Last used",
      cell: (t) =>
        t.lastUsedAt ? (
          <>
            {formatDateTimeShort(t.lastUsedAt)}
            {t.lastUsedIp ? <div className="muted small mono">{t.lastUsedIp}</div> : null}
          </>
        ) : (
          <span className="muted">never</span>
        ),
      className: "nowrap",
    },
    {
      header: "Status",
      cell: (t) =>
        t.revokedAt ? (
          <StatusChip tone="bad">revoked {formatDateTimeShort(t.revokedAt)}</StatusChip>
        ) : new Date(t.expiresAt).getTime() < Date.now() ? (
          <StatusChip tone="bad">expired</StatusChip>
        ) : (
          <StatusChip tone="ok">active</StatusChip>
        ),
    },
    {
      header: "Actions",
      className: "actions",
      cell: (t) =>
        t.revokedAt ? null : (
          <Button size="sm" variant="danger" onClick={() => setRevoking(t)} aria-label={`Revoke ${t.name}`}>
            Revoke
          </Button>
        ),
    },
  ];

  return (
    <>
      <PageHeader
        title="Service tokens"
        description="Bearer tokens for internal services and scripts. The token is shown once, at creation; we store only its hash."
        actions={
          <Button variant="primary" onClick={() => setCreating(true)}>
            Create token
          </Button>
        }
      />
      {created ? <NewTokenNotice created={created} onDismiss={() => setCreated(null)} /> : null}
      {tokens.isPending ? <Loading label="Loading service tokens…" /> : null}
      {tokens.isError ? (
        <ErrorBanner
          title="Could not load service tokens"
          error={tokens.error}
          onRetry={() => void tokens.refetch()}
        />
      ) : null}
      {tokens.isSuccess && rows.length === 0 ? (
        <Empty>No service tokens yet. Create one for each service that calls the API.</Empty>
      ) : null}
      {rows.length > 0 ? (
        <>
          <Table
            caption="Service tokens"
            columns={columns}
            rows={rows}
            rowKey={(t) => t.id}
            rowClassName={(t) => (t.revokedAt ? "row-dim" : undefined)}
          />
          <LoadMore query={tokens} />
        </>
      ) : null}
      {creating ? (
        <CreateTokenDialog
          onClose={() => setCreating(false)}
          onCreated={(t) => {
            setCreating(false);
            setCreated(t);
          }}
        />
      ) : null}
      {revoking ? <RevokeDialog token={revoking} onClose={() => setRevoking(null)} /> : null}
    </>
  );
}

function NewTokenNotice({ created, onDismiss }: { created: NewToken; onDismiss: () => void }) {
  return (
    <section className="banner banner-warn new-token" aria-labelledby="new-token-title" role="region">
      <span className="banner-glyph" aria-hidden="true">
        !
      </span>
      <div className="banner-body">
        <strong id="new-token-title">
          Token for <span className="mono">{created.info.name}</span> created: copy it now
        </strong>
        <p>
          This is the only time it is shown. Store it in the service's secret store; if it is lost, revoke it
          and create another.
        </p>
        <div className="token-row">
          <code className="token-value" data-testid="new-token">
            {created.token}
          </code>
          <CopyButton text={created.token} />
        </div>
      </div>
      <Button size="sm" onClick={onDismiss}>
        I have stored it
      </Button>
    </section>
  );
}

function CreateTokenDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (t: NewToken) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [role, setRole] = useState<TStaffRole>("VIEWER");
  const [days, setDays] = useState("90");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: async (t) => {
        await queryClient.invalidateQueries({ queryKey: trpc.tokens.list.infiniteQueryKey() });
        onCreated(t);
      },
    }),
  );

  function submit(e: React.SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const parsed = ZCreateServiceToken.safeParse({ name, role, expiresInDays: Number(days) });
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error.issues));
      return;
    }
    setErrors({});
    create.mutate(parsed.data);
  }

  return (
    <Dialog open title="Create service token" onClose={onClose}>
      <form onSubmit={submit} noValidate className="form">
        <Field
          label="Name"
          hint="Names the calling service, e.g. storefront-api. Letters, digits, dot, dash, underscore."
          error={errors.name}
        >
          {(p) => <input {...p} autoFocus value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Role" hint="Give the least the service needs." error={errors.role}>
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(e.target.value as TStaffRole)}>
              {STAFF_ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Expires in (days)"
          hint="1 to 365. The token acts for you: it stops working if you are suspended or lose this role."
          error={errors.expiresInDays}
        >
          {(p) => (
            <input
              {...p}
              type="number"
              min={1}
              max={365}
              value={days}
              onChange={(e) => setDays(e.target.value)}
            />
          )}
        </Field>
        {create.isError ? <ErrorBanner error={create.error} /> : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={create.isPending}>
            Create token
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function RevokeDialog({ token, onClose }: { token: TServiceTokenInfo; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const revoke = useMutation(
    trpc.tokens.revoke.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.tokens.list.infiniteQueryKey() });
        onClose();
      },
    }),
  );
  return (
    <Dialog open title={`Revoke ${token.name}?`} onClose={onClose}>
      <div className="form">
        <p>
          Calls with this token (<code>{token.tokenPrefix}…</code>) fail from now on. This cannot be undone;
          the service needs a new token.
        </p>
        {revoke.isError ? <ErrorBanner error={revoke.error} /> : null}
        <div className="form-actions">
          <Button onClick={onClose} autoFocus>
            Cancel
          </Button>
          <Button
            variant="danger"
            busy={revoke.isPending}
            onClick={() => revoke.mutate({ tokenId: token.id })}
          >
            Revoke token
          </Button>
        </div>
      </div>
    </Dialog>
  );
}
