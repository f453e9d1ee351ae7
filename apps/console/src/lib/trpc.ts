// The console's tRPC client: batched HTTP with the in-memory bearer token, and one retry after a
// token refresh when the server answers UNAUTHORIZED.
import { createTRPCClient, httpBatchLink, TRPCClientError, type TRPCLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import { createTRPCContext, type TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import type { AppRouter } from "@radha/api/router";
import { MAX_BATCH_CALLS } from "@radha/core/input/schema";
import { API_URL } from "./api-url";
import { takeEarlyAnswer } from "./early-queries";
import { getAccessToken, refreshSession } from "./session";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** Query and mutation options for every procedure: what `useTRPC()` returns inside components. */
export type ConsoleTRPC = TRPCOptionsProxy<AppRouter>;

// Calls that establish a session answer UNAUTHORIZED for wrong credentials: never retry those.
const NO_RETRY = new Set(["auth.login", "auth.refresh"]);

export function isUnauthorized(err: unknown): boolean {
  return (
    err instanceof TRPCClientError && (err.data as { code?: string } | undefined)?.code === "UNAUTHORIZED"
  );
}

const retryAfterRefresh: TRPCLink<AppRouter> =
  () =>
  ({ op, next }) =>
    observable((observer) => {
      let retried = false;
      let sub = next(op).subscribe({
        next: (v) => observer.next(v),
        complete: () => observer.complete(),
        error: (err) => {
          if (retried || NO_RETRY.has(op.path) || !isUnauthorized(err)) {
            observer.error(err);
            return;
          }
          retried = true;
          refreshSession().then(
            () => {
              sub = next(op).subscribe(observer);
            },
            () => observer.error(err),
          );
        },
      });
      return () => sub.unsubscribe();
    });

export function createConsoleClient() {
  return createTRPCClient<AppRouter>({
    links: [
      retryAfterRefresh,
      httpBatchLink({
        url: API_URL,
        maxURLLength: 4000,
        maxItems: MAX_BATCH_CALLS,
        async headers() {
          const token = await getAccessToken();
          return token ? { Authorization: `Bearer ${token}` } : {};
        },
        // The page's first queries may already be answered: index.html sent them on load.
        async fetch(url, init) {
          const early =
            typeof url === "string" ? await takeEarlyAnswer(url, init?.method ?? "GET") : undefined;
          return early ?? fetch(url, init);
        },
      }),
    ],
  });
}
