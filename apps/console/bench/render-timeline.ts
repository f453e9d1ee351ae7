// Timeline of cold loads of /system: Chromium's trace (devtools timeline) per load, reduced to
// the phases of the first render: navigation → HTML → scripts fetched, compiled, run → session
// restore and the page's queries answered → data in the DOM → the frame that paints it.
// Diagnostic (not a bench): prints one row per load and the medians; asserts nothing. Tracing
// slows this process (the server shares it) and the page: read the trace's figures as shares,
// and take the figures without it ("no-trace") for times; the server's own time per request and
// this process's event loop delay are printed too. The first traced load's trace is written to
// /tmp/console6-trace.json (open it in chrome://tracing or Perfetto).
// Usage: npx tsx bench/render-timeline.ts [loads=5] [no-trace]
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { dropTestDatabases, prepareTemplateDatabase } from "@radha/core/testing";
import { startHarness } from "../e2e/harness";
import { nextContext, signIn } from "./sign-in";

const LOADS = Number(process.argv[2] ?? 5);
const TRACE = process.argv[3] !== "no-trace";
const here = path.dirname(fileURLToPath(import.meta.url));
const consoleDist = path.resolve(here, "../dist");

const WATCH = `
  window.__elements = {};
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__elements[e.identifier] ??= e.presentationTime ?? e.renderTime;
  }).observe({ type: "element", buffered: true });
  new MutationObserver((_, observer) => {
    if (document.getElementById("root")?.firstChild) {
      window.__firstRoot = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
  new MutationObserver((_, observer) => {
    const done = document.querySelector('[data-testid="overall-health"]') !== null &&
      [...document.querySelectorAll("caption")].some((c) => c.textContent === "System flags");
    if (window.__systemRendered === undefined && done) {
      window.__systemRendered = performance.now();
      document.querySelector('[data-testid="overall-health"] .banner-body p').setAttribute("elementtiming", "health");
      [...document.querySelectorAll("caption")].find((c) => c.textContent === "System flags")
        .closest("table").querySelector("tbody td").setAttribute("elementtiming", "flags");
      observer.disconnect();
      requestAnimationFrame(() => setTimeout(() => (window.__systemPainted = performance.now())));
    }
  }).observe(document, { childList: true, subtree: true });
`;

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { data?: Record<string, unknown>; frame?: string; [k: string]: unknown };
}

type Row = Record<string, number>;

function reduce(events: TraceEvent[], inPage: Row, keepTrace?: string): Row {
  if (keepTrace) writeFileSync(keepTrace, JSON.stringify({ traceEvents: events }));
  const nav = events.find(
    (e) =>
      e.name === "navigationStart" &&
      (e.args?.data?.documentLoaderURL as string | undefined)?.endsWith("/system") === true &&
      e.args?.data?.isLoadingMainFrame === true,
  );
  if (!nav) throw new Error("no navigationStart for /system in the trace");
  const t0 = nav.ts;
  const main = { pid: nav.pid, tid: nav.tid };
  const onMain = (e: TraceEvent) => e.pid === main.pid && e.tid === main.tid;
  const ms = (ts: number) => (ts - t0) / 1000;
  const row: Row = {};
  // Main thread: script compile/evaluate and tasks.
  const mainEvents = events.filter(onMain).filter((e) => e.ts >= t0);
  const sum = (pred: (e: TraceEvent) => boolean) =>
    mainEvents.filter(pred).reduce((a, e) => a + (e.dur ?? 0), 0) / 1000;
  row["all compile ms"] = sum((e) => e.name.startsWith("v8.compile"));
  row["parseHTML ms"] = sum((e) => e.name === "ParseHTML");
  row["style ms"] = sum((e) => e.name === "UpdateLayoutTree");
  row["layout ms"] = sum((e) => e.name === "Layout");
  row["paint ms"] = sum((e) => e.name === "Paint" || e.name === "PrePaint");
  // The task that styles, lays out and paints the page with its data.
  const inDom = inPage["data in DOM"] ?? Number.NaN;
  const frame = mainEvents.find(
    (e) =>
      e.name === "RunTask" &&
      ms(e.ts) >= inDom - 1 &&
      mainEvents.some((k) => k.name === "Layout" && k.ts >= e.ts && k.ts < e.ts + (e.dur ?? 0)),
  );
  if (frame) {
    const within = (name: string) =>
      mainEvents
        .filter((k) => k.name === name && k.ts >= frame.ts && k.ts < frame.ts + (frame.dur ?? 0))
        .reduce((a, k) => a + (k.dur ?? 0), 0) / 1000;
    row["data frame start"] = ms(frame.ts);
    row["data frame style"] = within("UpdateLayoutTree");
    row["data frame layout"] = within("Layout");
    row["data frame end"] = ms(frame.ts + (frame.dur ?? 0));
  }
  const fcp = events.find((e) => e.name === "firstContentfulPaint" && e.ts >= t0);
  row["trace FCP"] = fcp ? ms(fcp.ts) : Number.NaN;
  const fp = events.find((e) => e.name === "firstPaint" && e.ts >= t0);
  row["trace FP"] = fp ? ms(fp.ts) : Number.NaN;
  // Long main-thread tasks after the data is in the DOM, until the paint.
  const long = mainEvents
    .filter((e) => e.name === "RunTask" && (e.dur ?? 0) > 30_000)
    .map((e) => `${ms(e.ts).toFixed(0)}+${((e.dur ?? 0) / 1000).toFixed(0)}`);
  if (keepTrace) console.log(`long tasks: ${long.join(" ")}`);
  return { ...row, ...inPage };
}

async function main(): Promise<void> {
  if (!existsSync(path.join(consoleDist, "index.html"))) throw new Error("build the console first");
  await prepareTemplateDatabase();
  const harness = await startHarness();
  const { server, browser } = harness;
  const rows: Row[] = [];
  try {
    const url = server.url;
    const admin = await server.signIn("ADMIN");
    let context = await signIn(browser, url, admin.email);
    // Server-side time per request (raw http server: Fastify takes no hooks once listening).
    const serverMs: Record<string, number> = {};
    server.app.server.server.on("request", (req, res) => {
      const t = performance.now();
      const u = req.url ?? "";
      const name = u.startsWith("/api/trpc/auth.refresh")
        ? "refresh"
        : u.startsWith("/api/trpc/")
          ? "queries"
          : null;
      if (name) res.on("finish", () => (serverMs[`server ${name} ms`] = performance.now() - t));
    });
    const { monitorEventLoopDelay } = await import("node:perf_hooks");
    for (let i = 0; i < LOADS + 1; i++) {
      context = await nextContext(browser, context);
      const page = await context.newPage();
      await page.addInitScript({ content: WATCH });
      if (TRACE)
        await browser.startTracing(undefined, {
          categories: [
            "devtools.timeline",
            "disabled-by-default-devtools.timeline",
            "disabled-by-default-devtools.timeline.frame",
            "blink.user_timing",
            "loading",
            "navigation",
            "v8.execute",
            "v8",
            "toplevel",
          ],
        });
      const lag = monitorEventLoopDelay({ resolution: 5 });
      lag.enable();
      await page.goto(`${url}/system`);
      await page.waitForFunction("window.__systemPainted !== undefined", undefined, { timeout: 30_000 });
      await page
        .waitForFunction('performance.getEntriesByName("first-contentful-paint").length > 0', undefined, {
          timeout: 5_000,
        })
        .catch(() => undefined);
      const inPage = await page.evaluate<Row>(`(() => {
        const n = performance.getEntriesByType("navigation")[0];
        const net = {};
        for (const r of performance.getEntriesByType("resource")) {
          const u = r.name.replace(/^https?:\\/\\/[^/]+/, "");
          const name = u.startsWith("/api/trpc/auth.refresh") ? "refresh" : u.startsWith("/api/trpc/") ? "queries"
            : u.replace(/^\\/assets\\//, "").replace(/-[\\w-]{8}\\.(js|css)$/, ".$1");
          if (!["refresh", "queries", "index.js", "index.css", "system-page.js"].includes(name) || net[name + " start"] !== undefined) continue;
          net[name + " start"] = r.startTime;
          net[name + " ttfb"] = r.responseStart;
          net[name + " end"] = r.responseEnd;
        }
        return {
          ...net,
          "nav responseStart": n.responseStart,
          "nav responseEnd": n.responseEnd,
          "DCL": n.domContentLoadedEventEnd,
          "FCP": performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN,
          "first in #root": window.__firstRoot,
          "data in DOM": window.__systemRendered,
          "data painted": window.__systemPainted,
          "health on screen": window.__elements.health ?? NaN,
          "flags on screen": window.__elements.flags ?? NaN,
        };
      })()`);
      lag.disable();
      Object.assign(inPage, serverMs, {
        "node loop lag max": lag.max / 1e6,
        "node loop lag p50": lag.percentile(50) / 1e6,
      });
      const events = TRACE
        ? (JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] }).traceEvents
        : undefined;
      await page.close();
      if (i === 0) continue;
      const row = events ? reduce(events, inPage, i === 1 ? "/tmp/console6-trace.json" : undefined) : inPage;
      rows.push(row);
      console.log(
        Object.entries(row)
          .map(([k, v]) => `${k}=${v.toFixed(0)}`)
          .join("  "),
      );
    }
    await context.close();
  } finally {
    await harness.close();
    await dropTestDatabases();
  }
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const median = (xs: number[]) => {
    const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
    return s.length ? s[Math.floor((s.length - 1) / 2)]! : Number.NaN;
  };
  console.log(`\nmedians over ${rows.length} loads (ms from navigation start)`);
  for (const k of keys)
    console.log(`${k.padEnd(24)} ${median(rows.map((r) => r[k] ?? Number.NaN)).toFixed(0)}`);
}

await main();
