// A cold load of some pages sends their queries from index.html, as soon as the session restore
// answers, instead of once the app's script has loaded, run and rendered (hundreds of ms later).
// The app's tRPC client then takes that answer for the same request instead of sending it again.
// No imports: vite.config.ts reads this file to write index.html's inline script.

/** The address tRPC's batch link asks for these queries (no input each), in this order. */
export function earlyBatchUrl(apiUrl: string, procedures: readonly string[]): string {
  return `${apiUrl}/${procedures.join(",")}?batch=1&input=${encodeURIComponent("{}")}`;
}

declare global {
  /** The page's queries index.html sent on a cold load, with the restored session's token. */
  var __pageQueries: { url: string; answer: Promise<Response | null> } | undefined;
}

/**
 * The answer index.html already has for this request, taken once (a refetch asks the server);
 * undefined when it sent none for this address, null when its request failed.
 */
export function takeEarlyAnswer(url: string, method: string): Promise<Response | null> | undefined {
  const early = globalThis.__pageQueries;
  if (early?.url !== url || method !== "GET") return undefined;
  globalThis.__pageQueries = undefined;
  return early.answer;
}
