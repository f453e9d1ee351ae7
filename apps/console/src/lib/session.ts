// The signed-in session, held in memory only. The refresh token lives in an HttpOnly cookie the
// server sets, so a reload restores the session through auth.refresh without storing any token.
import { createTRPCClient, httpLink } from "@trpc/client";
import type { AppRouter } from "@radha/api/router";
import type { TAuthTokens, TSessionUser } from "@radha/core/security/schema";
import { API_URL } from "./api-url";

export type SignedOutReason = "none" | "logout" | "expired" | "password";

export type SessionState =
  | { status: "restoring" }
  | { status: "signed-out"; reason: SignedOutReason }
  | { status: "signed-in"; user: TSessionUser; accessToken: string; expiresAt: number };

/** When to refresh an access token: a minute before expiry, or sooner for short-lived tokens. */
export function refreshDelayMs(expiresAt: number, now: number): number {
  const remaining = expiresAt - now;
  const lead = Math.min(60_000, remaining / 4);
  return Math.max(0, Math.floor(remaining - lead));
}

/** True when a token is too close to expiry to send (the request could land after it). */
export function isNearExpiry(expiresAt: number, now: number): boolean {
  return expiresAt - now < 10_000;
}

// A client without the session link, so refreshing can never recurse into itself.
const authClient = createTRPCClient<AppRouter>({ links: [httpLink({ url: API_URL })] });

type SessionTokens = Omit<TAuthTokens, "refreshToken">;

declare global {
  /** The auth.refresh index.html starts before the app's script has loaded (null: it failed). */
  var __sessionRestore: Promise<Response | null> | undefined;
}

/** tRPC's answer to auth.refresh, read by hand: the page made the request, not the client. */
async function tokensFrom(answer: Promise<Response | null>): Promise<SessionTokens> {
  const res = await answer;
  const body = res?.ok ? ((await res.json()) as { result?: { data?: SessionTokens } }) : undefined;
  const tokens = body?.result?.data;
  if (!tokens) throw new Error(`Session restore failed (HTTP ${res?.status ?? "network error"})`);
  return tokens;
}

/**
 * New tokens for the refresh cookie. The first call takes the answer to the refresh index.html
 * already started, if any: asking again while that one is in flight would send a refresh token
 * the server has just rotated, which it takes for a stolen one.
 */
function requestTokens(): Promise<SessionTokens> {
  const early = globalThis.__sessionRestore;
  globalThis.__sessionRestore = undefined;
  return early ? tokensFrom(early) : authClient.auth.refresh.mutate({});
}

let state: SessionState = { status: "restoring" };
let timer: ReturnType<typeof setTimeout> | undefined;
let inFlight: Promise<string> | undefined;
const listeners = new Set<() => void>();

function setState(next: SessionState): void {
  state = next;
  for (const l of listeners) l();
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function getSession(): SessionState {
  return state;
}

/** The refresh token stays in its HttpOnly cookie: the console never sees it. */
export function startSession(tokens: Omit<TAuthTokens, "refreshToken">): void {
  const expiresAt = Date.parse(tokens.accessTokenExpiresAt);
  clearTimeout(timer);
  timer = setTimeout(
    () => void refreshSession().catch(() => undefined),
    refreshDelayMs(expiresAt, Date.now()),
  );
  setState({ status: "signed-in", user: tokens.user, accessToken: tokens.accessToken, expiresAt });
}

export function endSession(reason: SignedOutReason): void {
  clearTimeout(timer);
  timer = undefined;
  setState({ status: "signed-out", reason });
}

/**
 * Swaps the refresh cookie for a new access token. Concurrent callers share one request: the
 * server rotates the refresh token on every use, so two parallel refreshes would race.
 */
export function refreshSession(): Promise<string> {
  // `{}` rather than no input: the server answers an empty POST body with 400 "Unexpected end of JSON input".
  inFlight ??= requestTokens()
    .then((tokens) => {
      startSession(tokens);
      return tokens.accessToken;
    })
    .catch((err: unknown) => {
      endSession(state.status === "restoring" ? "none" : "expired");
      throw err;
    })
    .finally(() => {
      inFlight = undefined;
    });
  return inFlight;
}

let restoring: Promise<void> | undefined;

/** Called once on app load: a valid cookie signs the user in silently, anything else shows login. */
export function restoreSession(): Promise<void> {
  restoring ??= refreshSession().then(
    () => undefined,
    () => undefined,
  );
  return restoring;
}

/** The bearer token for the next request, refreshed first when it is about to expire. */
export async function getAccessToken(): Promise<string | null> {
  if (inFlight) return inFlight.catch(() => null);
  if (state.status !== "signed-in") return null;
  if (isNearExpiry(state.expiresAt, Date.now())) return refreshSession().catch(() => null);
  return state.accessToken;
}
