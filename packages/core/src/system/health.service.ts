// Readiness checks. Database loss fails readiness; Redis or a payment provider being down only
// degrades. Provider checks run in the background on a timer and are served from cache, so a
// health request never calls Stripe or Razorpay.
import { must } from "../errors";
import type { Db } from "../db";
import type { SharedStore } from "../shared-store";
import { checkPaymentsAttention } from "../orders/orders.service";
import { pingDatabase } from "./system.queries";
import type { THealthCheck, THealthReport, TCheckStatus } from "./system.schema";
import Razorpay from "razorpay";
import Stripe from "stripe";

const VERSION = "0.1.0";
const startedAt = Date.now();

async function timed(
  name: string,
  critical: boolean,
  timeoutMs: number,
  fn: () => Promise<{ status: TCheckStatus; message: string }>,
): Promise<THealthCheck> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return {
      name,
      critical,
      ...result,
      durationMs: Math.round(performance.now() - t0),
      checkedAt: new Date().toISOString(),
    };
  } catch (e) {
    return {
      name,
      critical,
      status: critical ? "fail" : "warn",
      message: `down: ${(e as Error).message}`,
      durationMs: Math.round(performance.now() - t0),
      checkedAt: new Date().toISOString(),
    };
  } finally {
    clearTimeout(timer);
  }
}

interface ProviderCheck {
  name: string;
  configured: boolean;
  run: () => Promise<unknown>;
}

/** Provider API keys to check; an unset key means "not configured", never a failure. */
export interface ProviderKeys {
  stripeSecretKey?: string | undefined;
  razorpayKeyId?: string | undefined;
  razorpayKeySecret?: string | undefined;
}

export function createHealthService({ db, store, keys }: { db: Db; store: SharedStore; keys: ProviderKeys }) {
  const providers: ProviderCheck[] = [
    {
      name: "stripe",
      configured: Boolean(keys.stripeSecretKey),
      run: (() => {
        const stripe = keys.stripeSecretKey
          ? new Stripe(keys.stripeSecretKey, { timeout: 3_000, maxNetworkRetries: 0 })
          : undefined;
        return () => must(stripe, "checked only when configured").balance.retrieve();
      })(),
    },
    {
      name: "razorpay",
      configured: Boolean(keys.razorpayKeyId && keys.razorpayKeySecret),
      run: (() => {
        const razorpay =
          keys.razorpayKeyId && keys.razorpayKeySecret
            ? new Razorpay({ key_id: keys.razorpayKeyId, key_secret: keys.razorpayKeySecret })
            : undefined;
        return () => must(razorpay, "checked only when configured").payments.all({ count: 1 });
      })(),
    },
  ];
  const cache = new Map<string, THealthCheck>();
  let timer: NodeJS.Timeout | undefined;

  async function refreshProviders(): Promise<void> {
    await Promise.all(
      providers
        .filter((p) => p.configured)
        .map(async (p) => {
          cache.set(
            p.name,
            await timed(p.name, false, 3_500, async () => {
              await p.run();
              return { status: "pass", message: "API reachable, key accepted" };
            }),
          );
        }),
    );
  }

  function providerCheck(p: ProviderCheck): THealthCheck {
    if (!p.configured)
      return {
        name: p.name,
        critical: false,
        status: "pass",
        message: "not configured",
        durationMs: 0,
        checkedAt: new Date().toISOString(),
      };
    return (
      cache.get(p.name) ?? {
        name: p.name,
        critical: false,
        status: "warn",
        message: "first check still running",
        durationMs: 0,
        checkedAt: new Date().toISOString(),
      }
    );
  }

  async function report(): Promise<THealthReport> {
    const [database, redis, payments] = await Promise.all([
      timed("database", true, 2_000, async () => {
        await pingDatabase(db);
        return { status: "pass", message: "connected" };
      }),
      store.kind === "memory"
        ? Promise.resolve<THealthCheck>({
            name: "redis",
            critical: false,
            status: "pass",
            message: "not configured (in-memory fallback, single instance)",
            durationMs: 0,
            checkedAt: new Date().toISOString(),
          })
        : timed("redis", false, 1_000, async () => {
            await store.ping(900);
            return { status: "pass", message: "connected" };
          }),
      // Oversold orders and events waiting for review: warn, never fail.
      timed("payments", false, 2_000, () => checkPaymentsAttention(db)),
    ]);
    const checks = [database, redis, ...providers.map(providerCheck), payments];
    const status: TCheckStatus = checks.some((c) => c.status === "fail")
      ? "fail"
      : checks.some((c) => c.status === "warn")
        ? "warn"
        : "pass";
    return {
      status,
      checkedAt: new Date().toISOString(),
      version: VERSION,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      checks,
    };
  }

  return {
    report,
    /** Starts the background provider checks (every 60 s). */
    start() {
      if (timer || !providers.some((p) => p.configured)) return;
      void refreshProviders();
      timer = setInterval(() => void refreshProviders(), 60_000);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

export type HealthService = ReturnType<typeof createHealthService>;
