import {
  diagnosePaymentIssues,
  getOrderDetail,
  listOrders,
  listReviewEvents,
  resolveReview,
  returnOrderStock,
} from "@radha/core/orders";
import {
  ZFailedPaymentsInput,
  ZOrderListInput,
  ZOrderRef,
  ZResolveReview,
  ZReturnStock,
  ZReviewListInput,
} from "@radha/core/orders/schema";
import { router, staffProcedure } from "../init";

export const ordersRouter = router({
  list: staffProcedure("VIEWER")
    .input(ZOrderListInput)
    .query(({ ctx, input }) => listOrders(ctx.deps.db, input)),
  get: staffProcedure("VIEWER")
    .input(ZOrderRef)
    .query(({ ctx, input }) => getOrderDetail(ctx.deps.db, input.id)),
  reviewQueue: staffProcedure("VIEWER")
    .input(ZReviewListInput)
    .query(({ ctx, input }) => listReviewEvents(ctx.deps.db, input)),
  failedPayments: staffProcedure("VIEWER")
    .input(ZFailedPaymentsInput)
    .query(({ ctx, input }) => diagnosePaymentIssues(ctx.deps.db, input)),
  resolveReview: staffProcedure("OPERATOR")
    .input(ZResolveReview)
    .mutation(({ ctx, input }) => resolveReview(ctx.deps.db, ctx.actor, input)),
  returnStock: staffProcedure("OPERATOR")
    .input(ZReturnStock)
    .mutation(({ ctx, input }) => returnOrderStock(ctx.deps.db, ctx.actor, input)),
});
