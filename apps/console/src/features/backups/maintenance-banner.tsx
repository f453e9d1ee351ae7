// Maintenance mode left on (after a restore, or turned on by hand): a banner saying what it means,
// and for admins the way to turn it off with a reason.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { roleAtLeast } from "@radha/core/security/schema";
import { useTRPC } from "../../lib/trpc";
import { useCurrentUser } from "../../lib/use-session";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { Field } from "../../ui/field";

export function MaintenanceBanner() {
  const trpc = useTRPC();
  const user = useCurrentUser();
  const state = useQuery(trpc.emergency.state.queryOptions(undefined, { refetchInterval: 5_000 }));
  const [turningOff, setTurningOff] = useState(false);
  if (!state.data?.maintenanceMode) return null;
  return (
    <section
      className="banner banner-warn"
      role="region"
      aria-label="Maintenance mode"
      data-testid="maintenance-banner"
    >
      <span className="banner-glyph" aria-hidden="true">
        !
      </span>
      <div className="banner-body">
        <strong>Maintenance mode is on</strong>
        <p>
          The storefront answers 503 and webhook deliveries are stored but not processed. After a restore,
          check the restored data, then turn maintenance off.
        </p>
      </div>
      {roleAtLeast(user.role, "ADMIN") ? (
        <Button variant="primary" onClick={() => setTurningOff(true)}>
          Turn maintenance off…
        </Button>
      ) : null}
      {turningOff ? <TurnOffDialog onClose={() => setTurningOff(false)} /> : null}
    </section>
  );
}

function TurnOffDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const off = useMutation(
    trpc.emergency.setMaintenance.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.emergency.state.queryKey() });
        onClose();
      },
    }),
  );
  return (
    <Dialog open title="Turn maintenance mode off?" onClose={onClose}>
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          off.mutate({ on: false, reason });
        }}
      >
        <p>The storefront serves again and queued webhook deliveries are processed.</p>
        <Field label="Reason" hint="Recorded in the audit log.">
          {(p) => (
            <textarea {...p} rows={2} autoFocus value={reason} onChange={(e) => setReason(e.target.value)} />
          )}
        </Field>
        {off.error ? <ErrorBanner error={off.error} /> : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={off.isPending}>
            Turn maintenance off
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
