import { QueryClient } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SYSTEM_PAGE_PROCEDURES } from "../features/system/system-queries";
import { API_URL } from "./api-url";
import { earlyBatchUrl } from "./early-queries";

// The System page's cold load: index.html sends the page's batch once the session restore
// answers; the app's client must ask for exactly that address and take that answer.
describe("the System page's queries sent by index.html", () => {
  const url = earlyBatchUrl(API_URL, SYSTEM_PAGE_PROCEDURES);
  const answerBody = [
    { result: { data: { status: "pass", checks: [] } } },
    { result: { data: { status: "pass", message: "fresh" } } },
    { result: { data: [{ key: "maintenance_mode", value: false }] } },
  ];
  const batchAnswer = () => new Response(JSON.stringify(answerBody), { status: 200 });

  afterEach(() => {
    vi.unstubAllGlobals();
    globalThis.__pageQueries = undefined;
  });

  /** The app as main.tsx makes it, signed in, with the route's prefetch run once. */
  async function prefetchWith(serverFetch: (url: string, init?: RequestInit) => Promise<Response>) {
    vi.resetModules();
    const fetchSpy = vi.fn(serverFetch);
    vi.stubGlobal("fetch", fetchSpy);
    const session = await import("./session");
    session.startSession({
      user: { id: "u1", email: "a@example.test", name: "A", role: "ADMIN" },
      accessToken: "access-1",
      accessTokenExpiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
      refreshTokenExpiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    });
    const { createConsoleClient } = await import("./trpc");
    const { prefetchSystemPage, flagsQuery, healthQuery } = await import("../features/system/system-queries");
    const queryClient = new QueryClient();
    const trpc = createTRPCOptionsProxy({ client: createConsoleClient(), queryClient });
    prefetchSystemPage(queryClient, trpc);
    await vi.waitFor(() => expect(queryClient.getQueryData(flagsQuery(trpc).queryKey)).toBeDefined());
    return { fetchSpy, queryClient, trpc, healthQuery, flagsQuery };
  }

  it("the app's prefetch asks for the same address index.html sends", async () => {
    const { fetchSpy } = await prefetchWith(() => Promise.resolve(batchAnswer()));
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(fetchSpy.mock.calls[0]?.[0]).toBe(url);
  });

  it("takes index.html's answer instead of asking the server again, once", async () => {
    globalThis.__pageQueries = { url, answer: Promise.resolve(batchAnswer()) };
    const { fetchSpy, queryClient, trpc, healthQuery } = await prefetchWith(() =>
      Promise.resolve(batchAnswer()),
    );
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(queryClient.getQueryData(healthQuery(trpc).queryKey)).toEqual({ status: "pass", checks: [] });
    expect(globalThis.__pageQueries).toBeUndefined();
    // A refetch asks the server.
    await queryClient.refetchQueries();
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });

  it("asks the server itself when index.html's request failed", async () => {
    globalThis.__pageQueries = { url, answer: Promise.resolve(null) };
    const { fetchSpy } = await prefetchWith(() => Promise.resolve(batchAnswer()));
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(fetchSpy.mock.calls[0]?.[1]?.headers).toMatchObject({ Authorization: "Bearer access-1" });
  });
});
