// ops orders …: list orders, show one with its payments, refunds, events and ledger rows, return
// stock for chosen items, and resolve a payment event held for review.
import type { Command } from "commander";
import { getOrderDetail, listOrders, resolveReview, returnOrderStock } from "@radha/core/orders";
import {
  formatMoney,
  ORDER_STATUSES,
  REVIEW_ACTIONS,
  type TOrderFilter,
  type TOrderStatus,
  type TReviewAction,
} from "@radha/core/orders/schema";
import { contextFor } from "../lib/context";
import { EXIT } from "../lib/errors";
import { examples } from "../lib/options";
import { pagingOptions, printNextPage, type PagingOptions } from "../lib/paging";

function usageError(command: Command, message: string): never {
  command.error(`error: ${message}`, { exitCode: EXIT.USAGE, code: "ops.usage" });
}

function parseStatus(command: Command, value: string | undefined): TOrderStatus | undefined {
  if (value === undefined) return undefined;
  const status = value.trim().toUpperCase();
  if ((ORDER_STATUSES as readonly string[]).includes(status)) return status as TOrderStatus;
  usageError(command, `--status "${value}" is not an order status; use one of ${ORDER_STATUSES.join(", ")}.`);
}

const ACTION_WORDS: Record<string, TReviewAction> = {
  accept: "ACCEPT_AS_PAID",
  refunded: "MARK_REFUNDED",
  dismiss: "DISMISS",
};

/** `<item id>:<quantity>` pairs. */
function parseItems(command: Command, values: string[]): { itemId: string; quantity: number }[] {
  if (values.length === 0)
    usageError(command, "--item is required: --item <item id>:<quantity> (repeatable).");
  return values.map((v) => {
    const m = /^([0-9a-f-]{36}):(\d{1,6})$/i.exec(v.trim());
    if (!m?.[1] || !m[2]) usageError(command, `--item "${v}" must be <item id>:<quantity>, e.g. 6f1c…:1.`);
    return { itemId: m[1], quantity: Number(m[2]) };
  });
}

export function registerOrdersCommands(program: Command): void {
  const orders = program
    .command("orders")
    .description("Orders: list, show with payments and refunds, return stock, resolve payment reviews")
    .addHelpText(
      "after",
      examples(
        "ops orders list --status PARTIALLY_REFUNDED",
        "ops orders show RG-2026-0001",
        "ops orders return-stock RG-2026-0001 --item <item id>:1 --reason 'returned parcel' --key ret-1",
        "ops orders resolve <event id> --action accept --reason 'customer paid by coupon'",
      ),
    );

  pagingOptions(
    orders
      .command("list")
      .description("Orders, newest first")
      .option("--status <status>", `one of ${ORDER_STATUSES.join(", ")}`)
      .option("--provider <provider>", "stripe or razorpay")
      .option("--oversold", "only orders paid although their stock was gone")
      .option("--search <text>", "an order number, e-mail, payment id or order id"),
    { default: 50, max: 200 },
  ).action(
    async (
      opts: PagingOptions & { status?: string; provider?: string; oversold?: boolean; search?: string },
      command: Command,
    ) => {
      const { out, withDb } = contextFor(command);
      const provider = opts.provider?.trim().toUpperCase();
      if (provider !== undefined && provider !== "STRIPE" && provider !== "RAZORPAY")
        usageError(command, `--provider "${opts.provider ?? ""}" is not a provider; use stripe or razorpay.`);
      const filter: TOrderFilter = {
        status: parseStatus(command, opts.status),
        provider,
        ...(opts.oversold ? { oversold: true } : {}),
        ...(opts.search ? { search: opts.search } : {}),
      };
      const page = await withDb((db) => listOrders(db, { filter, limit: opts.limit, cursor: opts.cursor }));
      out.result(page, (p) => {
        if (p.items.length === 0) {
          out.line("No orders match.");
          return;
        }
        out.table(
          ["order", "created", "status", "provider", "total", "paid", "refunded", "oversold"],
          p.items.map((o) => [
            o.orderNumber,
            o.createdAt,
            o.status,
            o.paymentProvider?.toLowerCase(),
            formatMoney(o.totalMinor, o.currency),
            formatMoney(o.paidMinor, o.currency),
            formatMoney(o.refundedMinor, o.currency),
            o.oversold ? "OVERSOLD" : "",
          ]),
        );
        printNextPage(out, p);
      });
    },
  );

  orders
    .command("show <order>")
    .description("One order (number or id): items, payments, refunds, payment events, ledger rows")
    .action(async (ref: string, _opts: unknown, command: Command) => {
      const { out, withDb } = contextFor(command);
      const o = await withDb((db) => getOrderDetail(db, ref));
      out.result(o, (d) => {
        out.line(
          `${d.orderNumber} ${d.status}${d.oversold ? " OVERSOLD" : ""} · ${d.email} · total ${formatMoney(d.totalMinor, d.currency)} · paid ${formatMoney(d.paidMinor, d.currency)} · refunded ${formatMoney(d.refundedMinor, d.currency)}`,
        );
        out.line(`next: ${d.nextStatuses.join(", ") || "(final)"}`);
        out.table(
          ["item", "sku", "qty", "sold", "returned"],
          d.items.map((i) => [i.id, i.sku, i.quantity, i.sold, i.returned]),
        );
        if (d.payments.length)
          out.table(
            ["payment", "status", "amount", "at"],
            d.payments.map((p) => [
              `${p.provider.toLowerCase()} ${p.providerPaymentId}`,
              p.status,
              formatMoney(p.amountMinor, p.currency),
              p.capturedAt ?? p.createdAt,
            ]),
          );
        if (d.refunds.length)
          out.table(
            ["refund", "amount", "at"],
            d.refunds.map((r) => [r.providerRefundId, formatMoney(r.amountMinor, r.currency), r.createdAt]),
          );
        if (d.events.length)
          out.table(
            ["event", "type", "status", "received", "note"],
            d.events.map((e) => [
              e.id,
              e.eventType,
              e.status,
              e.receivedAt,
              (e.reviewReason ?? e.lastError ?? "").slice(0, 80),
            ]),
          );
        out.table(
          ["ledger", "type", "qty", "reserved", "reason"],
          d.ledger.map((l) => [l.id, l.type, l.quantity, l.reservedDelta, l.reason]),
        );
      });
    });

  orders
    .command("return-stock <order>")
    .description("Put stock back for chosen items of a refunded or partially refunded order (RETURN rows)")
    .option(
      "--item <id:qty>",
      "item id and quantity (repeatable)",
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .requiredOption("--reason <text>", "why (audited)")
    .option("--key <key>", "request key: running the same command again returns nothing more")
    .action(async (ref: string, opts: { item: string[]; reason: string; key?: string }, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const items = parseItems(command, opts.item);
      const result = await withDb((db) =>
        returnOrderStock(db, actor, {
          orderId: ref,
          items,
          reason: opts.reason,
          ...(opts.key ? { requestKey: opts.key } : {}),
        }),
      );
      out.result(result, (r) => {
        if (r.repeated) out.line(`Request key ${opts.key ?? ""} was used already: nothing more returned.`);
        else out.line(`Returned ${r.returned.map((x) => `${x.quantity} × item ${x.itemId}`).join(", ")}.`);
      });
    });

  orders
    .command("resolve <eventId>")
    .description("Resolve a payment event held for review (NEEDS_REVIEW)")
    .requiredOption("--action <action>", "accept (as paid), refunded (money handed back) or dismiss")
    .requiredOption("--reason <text>", "why (audited)")
    .action(async (eventId: string, opts: { action: string; reason: string }, command: Command) => {
      const { out, actor, withDb } = contextFor(command);
      const action =
        ACTION_WORDS[opts.action.trim().toLowerCase()] ??
        (REVIEW_ACTIONS as readonly string[]).find((a) => a === opts.action.trim().toUpperCase());
      if (!action) usageError(command, `--action "${opts.action}" must be accept, refunded or dismiss.`);
      const result = await withDb((db) =>
        resolveReview(db, actor, { eventId, action: action as TReviewAction, reason: opts.reason }),
      );
      out.result(result, (r) =>
        out.line(`Event ${r.eventId}: ${r.resolution}${r.orderStatus ? `; order is ${r.orderStatus}` : ""}.`),
      );
    });
}
