// @radha/client: the typed tRPC client for callers of the API (scripts, jobs, other services).
import { createTRPCClient, httpBatchLink, TRPCClientError, type TRPCClient } from "@trpc/client";
import type {
  inferRouterInputs,
  inferRouterOutputs,
  TRPCBuiltRouter,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
} from "@trpc/server";
import type { routerShape } from "./router-shape";

export { TRPCClientError };

type RouterShape = typeof routerShape;
type ErrorShape = RouterShape["errorShape"];
// Queries and mutations only: a subscription's output would not survive the mapping, and the equality
// check in router-shape.test-d.ts fails the typecheck if one is added.
type ProceduresOf<T> = T extends { type: "query" | "mutation"; input: infer I; output: infer O }
  ? T["type"] extends "query"
    ? TRPCQueryProcedure<Def<I, O>>
    : TRPCMutationProcedure<Def<I, O>>
  : { [K in keyof T]: ProceduresOf<T[K]> };
interface Def<I, O> {
  input: I;
  output: O;
  meta: object;
  errorShape: ErrorShape;
}

/**
 * The server's router as callers see it: the same procedures, inputs, outputs and error shape,
 * without the server-side context.
 */
export type AppRouter = TRPCBuiltRouter<
  { ctx: object; meta: object; errorShape: ErrorShape; transformer: RouterShape["transformer"] },
  ProceduresOf<RouterShape["procedures"]>
>;

/** Inputs of every procedure, e.g. `OpsInputs["tokens"]["create"]`. */
export type OpsInputs = inferRouterInputs<AppRouter>;
/** Outputs of every procedure, e.g. `OpsOutputs["auth"]["me"]`. */
export type OpsOutputs = inferRouterOutputs<AppRouter>;
export type OpsClient = TRPCClient<AppRouter>;

export interface OpsClientOptions {
  /** Base URL of the server (the one origin), e.g. `http://localhost:3000`. */
  url: string;
  /** A service token (`rso_…`, from `ops tokens create`) or a staff access token. */
  token: string;
  /** Defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
}

export function createOpsClient({ url, token, fetch }: OpsClientOptions): OpsClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${url.replace(/\/+$/, "")}/api/trpc`,
        // The server refuses batches of more calls (MAX_BATCH_CALLS in @radha/core/input/schema).
        maxItems: 20,
        headers: () => ({ authorization: `Bearer ${token}` }),
        ...(fetch ? { fetch } : {}),
      }),
    ],
  });
}

/** The tRPC error code of a failed call (`FORBIDDEN`, `UNAUTHORIZED`, …), or undefined. */
export function opsErrorCode(error: unknown): string | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data: unknown = error.data;
  if (data && typeof data === "object" && "code" in data && typeof data.code === "string") return data.code;
  return undefined;
}
