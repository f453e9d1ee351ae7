import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  STAFF_ROLES,
  ZChangeRole,
  ZCreateUser,
  ZSuspendUser,
  type TStaffRole,
  type TStaffUser,
} from "@radha/core/security/schema";
import { formatDate, formatDateTimeShort } from "../../lib/format";
import { nextCursor, pageItems } from "../../lib/paging";
import { useTRPC } from "../../lib/trpc";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { Field, fieldErrors } from "../../ui/field";
import { PageHeader } from "../../ui/page-header";
import { LoadMore } from "../../ui/load-more";
import { Empty, Loading } from "../../ui/states";
import { StatusChip } from "../../ui/status-chip";
import { Table, type Column } from "../../ui/table";
import { ResetPasswordDialog } from "./reset-password-dialog";

type Action =
  { kind: "suspend" | "restore" | "role" | "reset"; user: TStaffUser } | { kind: "create" } | null;

export function UsersPage() {
  const trpc = useTRPC();
  const me = useCurrentUser();
  const users = useInfiniteQuery(trpc.users.list.infiniteQueryOptions({}, { getNextPageParam: nextCursor }));
  const rows = pageItems(users.data);
  const [action, setAction] = useState<Action>(null);
  const close = () => setAction(null);

  const columns: Column<TStaffUser>[] = [
    {
      header: "User",
      cell: (u) => (
        <>
          <strong>{u.name}</strong>
          {u.id === me.id ? <span className="tag">you</span> : null}
          <br />
          <span className="muted small nowrap">{u.email}</span>
        </>
      ),
    },
    { header: "Role", cell: (u) => <span className="role-badge">{u.role}</span> },
    {
      header: "Status",
      cell: (u) =>
        u.status === "ACTIVE" ? (
          <>
            <StatusChip tone="ok">active</StatusChip>
            {u.mustChangePassword ? <div className="muted small">must change password</div> : null}
            {u.totpEnabled ? <div className="muted small">authenticator app on</div> : null}
          </>
        ) : (
          <>
            <StatusChip tone="bad">suspended</StatusChip>
            {u.suspensionReason ? <div className="muted small">{u.suspensionReason}</div> : null}
          </>
        ),
    },
    { header: "Last sign-in", cell: (u) => formatDateTimeShort(u.lastLoginAt), className: "nowrap" },
    { header: "Created", cell: (u) => formatDate(u.createdAt), className: "nowrap" },
    {
      header: "Actions",
      className: "actions",
      cell: (u) =>
        u.id === me.id ? (
          <span className="muted small" title="Ask another admin to change your own role or status">
            your account
          </span>
        ) : (
          <div className="row-actions">
            <Button
              size="sm"
              onClick={() => setAction({ kind: "role", user: u })}
              aria-label={`Change role of ${u.email}`}
            >
              Change role
            </Button>
            <Button
              size="sm"
              onClick={() => setAction({ kind: "reset", user: u })}
              aria-label={`Reset password of ${u.email}`}
            >
              Reset password
            </Button>
            {u.status === "ACTIVE" ? (
              <Button
                size="sm"
                variant="danger"
                onClick={() => setAction({ kind: "suspend", user: u })}
                aria-label={`Suspend ${u.email}`}
              >
                Suspend
              </Button>
            ) : (
              <Button
                size="sm"
                onClick={() => setAction({ kind: "restore", user: u })}
                aria-label={`Restore ${u.email}`}
              >
                Restore
              </Button>
            )}
          </div>
        ),
    },
  ];

  return (
    <>
      <PageHeader
        title="Users"
        description="Staff accounts that can sign in to this console. Suspending a user ends their sessions at once."
        actions={
          <Button variant="primary" onClick={() => setAction({ kind: "create" })}>
            Create user
          </Button>
        }
      />
      {users.isPending ? <Loading label="Loading users…" /> : null}
      {users.isError ? (
        <ErrorBanner title="Could not load users" error={users.error} onRetry={() => void users.refetch()} />
      ) : null}
      {users.isSuccess && rows.length === 0 ? <Empty>No users yet.</Empty> : null}
      {rows.length > 0 ? (
        <>
          <Table
            caption="Staff users"
            columns={columns}
            rows={rows}
            rowKey={(u) => u.id}
            rowClassName={(u) => (u.status === "SUSPENDED" ? "row-dim" : undefined)}
          />
          <LoadMore query={users} />
        </>
      ) : null}
      {action?.kind === "create" ? <CreateUserDialog onClose={close} /> : null}
      {action?.kind === "suspend" ? <SuspendDialog user={action.user} onClose={close} /> : null}
      {action?.kind === "restore" ? <RestoreDialog user={action.user} onClose={close} /> : null}
      {action?.kind === "role" ? <ChangeRoleDialog user={action.user} onClose={close} /> : null}
      {action?.kind === "reset" ? <ResetPasswordDialog user={action.user} onClose={close} /> : null}
    </>
  );
}

function useInvalidateUsers() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: trpc.users.list.infiniteQueryKey() });
}

function RoleSelect({
  value,
  onChange,
  ...p
}: {
  value: TStaffRole;
  onChange: (r: TStaffRole) => void;
  id: string;
}) {
  return (
    <select {...p} value={value} onChange={(e) => onChange(e.target.value as TStaffRole)}>
      {STAFF_ROLES.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
    </select>
  );
}

function CreateUserDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const invalidate = useInvalidateUsers();
  const [form, setForm] = useState({ name: "", email: "", role: "VIEWER" as TStaffRole, password: "" });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        onClose();
      },
    }),
  );

  function submit(e: React.SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const parsed = ZCreateUser.safeParse({ ...form, email: form.email.trim() });
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error.issues));
      return;
    }
    setErrors({});
    create.mutate(parsed.data);
  }

  return (
    <Dialog open title="Create user" onClose={onClose}>
      <form onSubmit={submit} noValidate className="form">
        <Field label="Name" error={errors.name}>
          {(p) => (
            <input
              {...p}
              autoFocus
              value={form.name}
              onChange={(e) => setForm({ ...form, name: e.target.value })}
            />
          )}
        </Field>
        <Field label="Email" error={errors.email}>
          {(p) => (
            <input
              {...p}
              type="email"
              autoComplete="off"
              value={form.email}
              onChange={(e) => setForm({ ...form, email: e.target.value })}
            />
          )}
        </Field>
        <Field
          label="Role"
          hint="VIEWER sees state, OPERATOR also runs procedures, ADMIN also manages people and settings."
          error={errors.role}
        >
          {(p) => <RoleSelect {...p} value={form.role} onChange={(role) => setForm({ ...form, role })} />}
        </Field>
        <Field
          label="Initial password"
          hint="At least 12 characters. Share it through a safe channel."
          error={errors.password}
        >
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              value={form.password}
              onChange={(e) => setForm({ ...form, password: e.target.value })}
            />
          )}
        </Field>
        {create.isError ? <ErrorBanner error={create.error} /> : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={create.isPending}>
            Create user
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function SuspendDialog({ user, onClose }: { user: TStaffUser; onClose: () => void }) {
  const trpc = useTRPC();
  const invalidate = useInvalidateUsers();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string>();
  const suspend = useMutation(
    trpc.users.suspend.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        onClose();
      },
    }),
  );

  function submit(e: React.SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const parsed = ZSuspendUser.safeParse({ userId: user.id, reason });
    if (!parsed.success) {
      setError(fieldErrors(parsed.error.issues).reason ?? parsed.error.issues[0]?.message);
      return;
    }
    setError(undefined);
    suspend.mutate(parsed.data);
  }

  return (
    <Dialog open title={`Suspend ${user.name}?`} onClose={onClose}>
      <form onSubmit={submit} noValidate className="form">
        <p>
          <strong>{user.email}</strong> will be signed out everywhere and cannot sign in until restored.
        </p>
        <Field
          label="Reason"
          hint="Required. Recorded in the audit log and shown on the user list."
          error={error}
        >
          {(p) => (
            <textarea
              {...p}
              rows={3}
              autoFocus
              value={reason}
              onChange={(e) => {
                setReason(e.target.value);
                setError(undefined);
              }}
            />
          )}
        </Field>
        {suspend.isError ? <ErrorBanner error={suspend.error} /> : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="danger" busy={suspend.isPending}>
            Suspend user
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function RestoreDialog({ user, onClose }: { user: TStaffUser; onClose: () => void }) {
  const trpc = useTRPC();
  const invalidate = useInvalidateUsers();
  const [reason, setReason] = useState("");
  const restore = useMutation(
    trpc.users.restore.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        onClose();
      },
    }),
  );

  function submit(e: React.SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    restore.mutate({ userId: user.id, ...(reason.trim() ? { reason: reason.trim() } : {}) });
  }

  return (
    <Dialog open title={`Restore ${user.name}?`} onClose={onClose}>
      <form onSubmit={submit} noValidate className="form">
        <p>
          <strong>{user.email}</strong> will be able to sign in again with their existing password.
        </p>
        <Field label="Reason (optional)">
          {(p) => (
            <textarea {...p} rows={2} autoFocus value={reason} onChange={(e) => setReason(e.target.value)} />
          )}
        </Field>
        {restore.isError ? <ErrorBanner error={restore.error} /> : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={restore.isPending}>
            Restore user
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function ChangeRoleDialog({ user, onClose }: { user: TStaffUser; onClose: () => void }) {
  const trpc = useTRPC();
  const invalidate = useInvalidateUsers();
  const [role, setRole] = useState<TStaffRole>(
    (STAFF_ROLES as readonly string[]).includes(user.role) ? (user.role as TStaffRole) : "VIEWER",
  );
  const [reason, setReason] = useState("");
  const change = useMutation(
    trpc.users.changeRole.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        onClose();
      },
    }),
  );

  function submit(e: React.SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const parsed = ZChangeRole.safeParse({
      userId: user.id,
      role,
      ...(reason.trim() ? { reason: reason.trim() } : {}),
    });
    if (parsed.success) change.mutate(parsed.data);
  }

  return (
    <Dialog open title={`Change role of ${user.name}`} onClose={onClose}>
      <form onSubmit={submit} noValidate className="form">
        <p>
          <strong>{user.email}</strong> is now <span className="role-badge">{user.role}</span>. The server
          checks roles on every request, so the change applies at once.
        </p>
        <Field label="New role">{(p) => <RoleSelect {...p} value={role} onChange={setRole} />}</Field>
        <Field label="Reason (optional)">
          {(p) => <textarea {...p} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        {change.isError ? <ErrorBanner error={change.error} /> : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={change.isPending} disabled={role === user.role}>
            Change role
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
