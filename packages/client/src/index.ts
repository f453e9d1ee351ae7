// @radha/client: the typed tRPC client for internal callers (scripts, jobs, other services).
import { createTRPCClient, httpBatchLink, TRPCClientError, type TRPCClient } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@radha/api/router";

export type { AppRouter };
export { TRPCClientError };

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
