// Returning stock for chosen items of a refunded or partially refunded order (RETURN ledger rows).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import type { TOrderDetail } from "@radha/core/orders/schema";
import { useTRPC } from "../../lib/trpc";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { Field } from "../../ui/field";

export function ReturnStockDialog({
  order,
  open,
  onClose,
}: {
  order: TOrderDetail;
  open: boolean;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [quantities, setQuantities] = useState<Record<string, string>>({});
  const [reason, setReason] = useState("");
  // One key per dialog opening: a double submit or a retried request returns nothing more.
  const requestKey = useMemo(() => (open ? crypto.randomUUID() : ""), [open]);
  const ret = useMutation(
    trpc.orders.returnStock.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.orders.pathKey() });
        setQuantities({});
        setReason("");
        onClose();
      },
    }),
  );
  const items = order.items
    .map((i) => ({ itemId: i.id, quantity: Number(quantities[i.id] ?? "0") }))
    .filter((i) => Number.isInteger(i.quantity) && i.quantity > 0);
  return (
    <Dialog open={open} title={`Return stock for ${order.orderNumber}`} onClose={onClose}>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          ret.mutate({ orderId: order.id, items, reason, requestKey });
        }}
      >
        {order.items.map((i) => {
          const open = i.sold - i.returned;
          return (
            <Field
              key={i.id}
              label={`${i.productName ?? "Item"} (${i.sku ?? i.variantId})`}
              hint={`${open} can come back (${i.sold} sold, ${i.returned} returned)`}
            >
              {(p) => (
                <input
                  {...p}
                  inputMode="numeric"
                  value={quantities[i.id] ?? ""}
                  placeholder="0"
                  disabled={open === 0}
                  onChange={(e) => setQuantities({ ...quantities, [i.id]: e.target.value })}
                />
              )}
            </Field>
          );
        })}
        <Field label="Reason" hint="Recorded on the ledger rows and in the audit log.">
          {(p) => (
            <input {...p} value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} />
          )}
        </Field>
        {ret.isError ? <ErrorBanner title="Could not return stock" error={ret.error} /> : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button
            type="submit"
            variant="primary"
            busy={ret.isPending}
            disabled={items.length === 0 || reason.trim().length < 3}
          >
            Return stock
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
