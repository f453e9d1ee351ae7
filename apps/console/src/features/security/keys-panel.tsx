// Signing keys: their states, a rotation (nobody signed out) and an emergency revoke.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { TSigningKeyInfo } from "@radha/core/secops/schema";
import { formatDateTimeShort } from "../../lib/format";
import { useTRPC } from "../../lib/trpc";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { Loading } from "../../ui/states";
import { StatusChip, type Tone } from "../../ui/status-chip";
import { Table, type Column } from "../../ui/table";
import { ReasonDialog } from "./reason-dialog";

const TONE: Record<TSigningKeyInfo["state"], Tone> = {
  NEXT: "neutral",
  ACTIVE: "ok",
  RETIRING: "warn",
  RETIRED: "neutral",
  REVOKED: "bad",
};

export function KeysPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.security.keys.queryOptions());
  const [rotating, setRotating] = useState(false);
  const [revoking, setRevoking] = useState<TSigningKeyInfo | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.security.keys.queryKey() });
  const rotate = useMutation(
    trpc.security.rotateKeys.mutationOptions({
      onSuccess: async () => {
        await refresh();
        setRotating(false);
      },
    }),
  );
  const revoke = useMutation(
    trpc.security.revokeKey.mutationOptions({
      onSuccess: async () => {
        await refresh();
        setRevoking(null);
      },
    }),
  );

  const columns: Column<TSigningKeyInfo>[] = [
    { header: "Key id", cell: (k) => <code>{k.kid}</code> },
    { header: "State", cell: (k) => <StatusChip tone={TONE[k.state]}>{k.state}</StatusChip> },
    { header: "Created", cell: (k) => formatDateTimeShort(k.createdAt) },
    { header: "Activated", cell: (k) => formatDateTimeShort(k.activatedAt) },
    {
      header: "Retires / ended",

      cell: (k) =>
        k.state === "RETIRING"
          ? `retires ${formatDateTimeShort(k.retireAfter)}`
          : k.revokedAt
            ? `revoked ${formatDateTimeShort(k.revokedAt)}: ${k.revokedReason ?? ""}`
            : k.retiredAt
              ? `retired ${formatDateTimeShort(k.retiredAt)}`
              : "",
    },
    {
      header: "Actions",
      className: "actions",
      cell: (k) =>
        k.state === "REVOKED" || k.state === "RETIRED" ? null : (
          <Button size="sm" variant="danger" onClick={() => setRevoking(k)} aria-label={`Revoke ${k.kid}`}>
            Revoke
          </Button>
        ),
    },
  ];

  return (
    <section className="section" aria-labelledby="keys-title">
      <div className="section-head">
        <h2 id="keys-title">Signing keys</h2>
        <Button variant="primary" onClick={() => setRotating(true)}>
          Rotate keys
        </Button>
      </div>
      <p className="muted small">
        Access tokens are signed by the ACTIVE key. A rotation makes the NEXT key active; the old one keeps
        verifying (RETIRING) until its last token expires, so nobody is signed out. Public keys:{" "}
        <a className="link" href="/.well-known/jwks.json">
          /.well-known/jwks.json
        </a>
      </p>
      {keys.isPending ? <Loading label="Loading keys…" /> : null}
      {keys.isError ? <ErrorBanner title="Could not load keys" error={keys.error} /> : null}
      {keys.data ? (
        <Table
          caption="Signing keys"
          columns={columns}
          rows={keys.data}
          rowKey={(k) => k.kid}
          rowClassName={(k) => (k.state === "REVOKED" || k.state === "RETIRED" ? "row-dim" : undefined)}
        />
      ) : null}
      {rotating ? (
        <ReasonDialog
          title="Rotate signing keys?"
          confirmLabel="Rotate"
          busy={rotate.isPending}
          error={rotate.error}
          onClose={() => setRotating(false)}
          onConfirm={(reason) => rotate.mutate({ reason })}
        >
          <p>The NEXT key starts signing now. Everyone stays signed in.</p>
        </ReasonDialog>
      ) : null}
      {revoking ? (
        <ReasonDialog
          title={`Revoke key ${revoking.kid}?`}
          confirmLabel="Revoke key"
          danger
          confirmText={revoking.kid}
          busy={revoke.isPending}
          error={revoke.error}
          onClose={() => setRevoking(null)}
          onConfirm={(reason) => revoke.mutate({ kid: revoking.kid, reason })}
        >
          <p>
            Tokens signed with this key stop working at once on every server, and everyone who may hold one
            must sign in again. Use this when a private key may have leaked; for routine changes, rotate.
          </p>
        </ReasonDialog>
      ) : null}
    </section>
  );
}
