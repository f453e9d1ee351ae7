// Resolving one payment event held for review: accept as paid, mark refunded or dismiss, with a reason.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { TReviewAction, TReviewItem } from "@radha/core/orders/schema";
import { useTRPC } from "../../lib/trpc";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { Field } from "../../ui/field";

const ACTIONS: { value: TReviewAction; label: string; hint: string }[] = [
  {
    value: "ACCEPT_AS_PAID",
    label: "Accept as paid",
    hint: "The order becomes PAID with the amount received.",
  },
  {
    value: "MARK_REFUNDED",
    label: "Mark refunded",
    hint: "The money was handed back at the provider (or apply a held refund).",
  },
  { value: "DISMISS", label: "Dismiss", hint: "Nothing changes on the order; the event is closed." },
];

export function ResolveDialog({ item, onClose }: { item: TReviewItem | null; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [action, setAction] = useState<TReviewAction>("ACCEPT_AS_PAID");
  const [reason, setReason] = useState("");
  const resolve = useMutation(
    trpc.orders.resolveReview.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.orders.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.webhooks.pathKey() });
        setReason("");
        onClose();
      },
    }),
  );
  return (
    <Dialog open={item !== null} title="Resolve payment review" onClose={onClose}>
      {item ? (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            resolve.mutate({ eventId: item.eventId, action, reason });
          }}
        >
          <p>
            <strong>{item.eventType}</strong> ({item.provider}){" "}
            {item.orderNumber ? `for ${item.orderNumber}` : ""}
          </p>
          <p className="review-reason">{item.reviewReason}</p>
          <fieldset className="radio-group">
            <legend>Resolution</legend>
            {ACTIONS.map((a) => (
              <label key={a.value} className="radio">
                <input
                  type="radio"
                  name="action"
                  value={a.value}
                  checked={action === a.value}
                  onChange={() => setAction(a.value)}
                />{" "}
                {a.label} <span className="muted small">— {a.hint}</span>
              </label>
            ))}
          </fieldset>
          <Field label="Reason" hint="Recorded in the audit log.">
            {(p) => (
              <input
                {...p}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                required
                minLength={3}
              />
            )}
          </Field>
          {resolve.isError ? <ErrorBanner title="Could not resolve" error={resolve.error} /> : null}
          <div className="form-actions">
            <Button onClick={onClose}>Cancel</Button>
            <Button
              type="submit"
              variant="primary"
              busy={resolve.isPending}
              disabled={reason.trim().length < 3}
            >
              Resolve
            </Button>
          </div>
        </form>
      ) : null}
    </Dialog>
  );
}
