import { describe, expect, it } from "vitest";
import {
  filterFromParams,
  filterToParams,
  isoToLocalInput,
  isRunFinished,
  localInputToIso,
  parseWholeInput,
  runPercent,
  seriesToChartRows,
  viewFrom,
  formatRate,
  formatLatency,
} from "./webhooks";

describe("filter in the address bar", () => {
  it("round-trips every field under short names and keeps other keys", () => {
    const filter = {
      provider: "STRIPE",
      status: "FAILED",
      eventType: "payment_intent.succeeded",
      from: "2026-01-10T00:00:00.000Z",
      to: "2026-01-10T12:00:00.000Z",
      error: "No order",
      reference: "pi_123",
    } as const;
    const params = filterToParams(filter, new URLSearchParams("view=events&event=abc"));
    expect(params.toString()).toBe(
      "view=events&event=abc&provider=STRIPE&status=FAILED&type=payment_intent.succeeded&from=2026-01-10T00%3A00%3A00.000Z&to=2026-01-10T12%3A00%3A00.000Z&error=No+order&ref=pi_123",
    );
    expect(filterFromParams(params)).toEqual(filter);
  });
  it("drops empty values from the address and ignores unknown providers, statuses and bad times", () => {
    expect(
      filterToParams({ status: "FAILED" }, new URLSearchParams("provider=STRIPE&status=PENDING")).toString(),
    ).toBe("status=FAILED");
    expect(
      filterFromParams(new URLSearchParams("provider=paypal&status=DONE&from=yesterday&type=%20%20")),
    ).toEqual({});
    expect(filterFromParams(new URLSearchParams("provider=razorpay&status=failed"))).toEqual({
      provider: "RAZORPAY",
      status: "FAILED",
    });
  });
  it("falls back to the events view", () => {
    expect(viewFrom(new URLSearchParams("view=health"))).toBe("health");
    expect(viewFrom(new URLSearchParams("view=nope"))).toBe("events");
  });
});

describe("datetime-local inputs", () => {
  it("converts local input to UTC and back", () => {
    const iso = localInputToIso("2026-03-01T09:30");
    expect(iso).toBe(new Date(2026, 2, 1, 9, 30).toISOString());
    expect(isoToLocalInput(iso)).toBe("2026-03-01T09:30");
    expect(localInputToIso("")).toBeUndefined();
    expect(isoToLocalInput("garbage")).toBe("");
  });
});

describe("replay runs", () => {
  it("knows which statuses are final", () => {
    expect(isRunFinished({ status: "COMPLETED" })).toBe(true);
    expect(isRunFinished({ status: "CANCELLED" })).toBe(true);
    expect(isRunFinished({ status: "CANCELLING" })).toBe(false);
    expect(isRunFinished({ status: "QUEUED" })).toBe(false);
    expect(isRunFinished(undefined)).toBe(false);
  });
  it("computes whole percent done, an empty run being complete", () => {
    expect(runPercent({ done: 1, total: 3 })).toBe(33);
    expect(runPercent({ done: 3, total: 3 })).toBe(100);
    expect(runPercent({ done: 0, total: 0 })).toBe(100);
  });
  it("accepts only whole numbers in range for rate and concurrency", () => {
    expect(parseWholeInput("", 1, 32)).toBeUndefined();
    expect(parseWholeInput(" 8 ", 1, 32)).toBe(8);
    expect(parseWholeInput("0", 1, 32)).toBeNull();
    expect(parseWholeInput("2.5", 1, 32)).toBeNull();
    expect(parseWholeInput("33", 1, 32)).toBeNull();
  });
});

describe("health", () => {
  it("pivots hourly points into one chart row per hour, in percent", () => {
    const rows = seriesToChartRows([
      { hour: "2026-01-10T02:00:00.000Z", provider: "STRIPE", processed: 1, failed: 0, successRate: 1 },
      { hour: "2026-01-10T01:00:00.000Z", provider: "RAZORPAY", processed: 2, failed: 1, successRate: 2 / 3 },
      { hour: "2026-01-10T01:00:00.000Z", provider: "STRIPE", processed: 0, failed: 0, successRate: null },
    ]);
    expect(rows).toEqual([
      { hour: "2026-01-10T01:00:00.000Z", RAZORPAY: 66.7, STRIPE: null },
      { hour: "2026-01-10T02:00:00.000Z", STRIPE: 100 },
    ]);
  });
  it("formats success rates without noise", () => {
    expect(formatRate(null)).toBe("—");
    expect(formatRate(1)).toBe("100%");
    expect(formatRate(0.9567)).toBe("95.7%");
  });
  it("shows latency in the unit a person reads", () => {
    expect(formatLatency(850)).toBe("850 ms");
    expect(formatLatency(2400)).toBe("2.40 s");
    expect(formatLatency(2_402_400)).toBe("40 min");
    expect(formatLatency(null)).toBe("—");
  });
});
