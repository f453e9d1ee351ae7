// /webhooks: payment webhook events (filter, detail, replay), provider health, rejected requests
// and replay runs. The view, the filter and the open event live in the address bar.
import { lazy, Suspense } from "react";
import { useSearchParams } from "react-router";
import { PageHeader } from "../../ui/page-header";
import { Loading } from "../../ui/states";
import { EventsView } from "./events-view";
import { RejectionsView } from "./rejections-view";
import { RunsView } from "./runs-view";
import { viewFrom, type TView } from "./webhooks";
import "./webhooks.css";

// The chart library is large: load it only when someone opens Health.
const HealthView = lazy(() => import("./health-view").then((m) => ({ default: m.HealthView })));

const TABS: { view: TView; label: string }[] = [
  { view: "events", label: "Events" },
  { view: "health", label: "Health" },
  { view: "rejections", label: "Rejected requests" },
  { view: "runs", label: "Replay runs" },
];

export function WebhooksPage() {
  const [params, setParams] = useSearchParams();
  const view = viewFrom(params);
  return (
    <>
      <PageHeader
        title="Webhooks"
        description="Payment events from Stripe and Razorpay: what arrived, what it did, and replays for the ones that failed."
      />
      <nav className="wh-tabs" aria-label="Webhook views">
        {TABS.map((t) => (
          <button
            key={t.view}
            type="button"
            className={`wh-tab${t.view === view ? " wh-tab-active" : ""}`}
            aria-current={t.view === view ? "page" : undefined}
            onClick={() => {
              // Switching views keeps the filter but closes an open event.
              const next = new URLSearchParams(params);
              next.delete("event");
              if (t.view === "events") next.delete("view");
              else next.set("view", t.view);
              setParams(next);
            }}
          >
            {t.label}
          </button>
        ))}
      </nav>
      {view === "events" ? <EventsView /> : null}
      {view === "health" ? (
        <Suspense fallback={<Loading label="Loading provider health…" />}>
          <HealthView />
        </Suspense>
      ) : null}
      {view === "rejections" ? <RejectionsView /> : null}
      {view === "runs" ? <RunsView /> : null}
    </>
  );
}
