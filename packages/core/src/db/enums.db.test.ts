import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTOR_TYPES } from "../audit/audit.schema";
import { PRODUCT_STATUSES } from "../catalog/catalog.schema";
import {
  INVENTORY_BATCH_KINDS,
  INVENTORY_BATCH_STATUSES,
  INVENTORY_TRANSACTION_TYPES,
  RESET_ON_PROBLEM,
  RESET_SOURCES,
} from "../inventory/inventory.schema";
import { DATA_MIGRATION_STATUSES } from "../dbops/dbops.schema";
import { ORDER_STATUSES, PAYMENT_STATUSES, REVIEW_RESOLUTIONS } from "../orders/orders.schema";
import {
  SIGNING_KEY_ALGS,
  SIGNING_KEY_STATES,
  STAFF_ROLES,
  USER_ROLES,
  USER_STATUSES,
} from "../security/security.schema";
import { SECURITY_EVENT_KINDS } from "../security/security-events.schema";
import { INCIDENT_ENTRY_KINDS, INCIDENT_STATUSES, SEVERITIES } from "../incidents/incidents.schema";
import {
  ALERT_STATUSES,
  CHANNEL_KINDS,
  COMPARISONS,
  DELIVERY_EVENTS,
  DELIVERY_STATUSES,
} from "../monitoring/monitoring.schema";
import { ROTATION_STATUSES, ROTATION_STEPS, VERIFIED_WITH } from "../security/secops.schema";
import { createTestDatabase, type TestDatabase } from "../testing/index";
import {
  ATTEMPT_OUTCOMES,
  ATTEMPT_TRIGGERS,
  PROVIDERS,
  REPLAY_RUN_STATUSES,
  WEBHOOK_STATUSES,
} from "../webhooks/webhooks.schema";

// A value the API accepts but a CHECK constraint refuses fails only when someone first saves it.
const ENUM_COLUMNS: [table: string, column: string, values: readonly string[]][] = [
  ["users", "role", USER_ROLES],
  ["data_migrations", "status", DATA_MIGRATION_STATUSES],
  ["users", "status", USER_STATUSES],
  ["signing_keys", "alg", SIGNING_KEY_ALGS],
  ["signing_keys", "state", SIGNING_KEY_STATES],
  ["service_tokens", "role", STAFF_ROLES],
  ["products", "status", PRODUCT_STATUSES],
  ["orders", "status", ORDER_STATUSES],
  ["orders", "payment_provider", PROVIDERS],
  ["audit_log", "actor_type", ACTOR_TYPES],
  ["inventory_transactions", "type", INVENTORY_TRANSACTION_TYPES],
  ["inventory_batches", "kind", INVENTORY_BATCH_KINDS],
  ["inventory_batches", "status", INVENTORY_BATCH_STATUSES],
  ["inventory_batches", "source", RESET_SOURCES],
  ["inventory_batches", "on_problem", RESET_ON_PROBLEM],
  ["inventory_count_uploads", "source", RESET_SOURCES],
  ["webhook_secrets", "provider", PROVIDERS],
  ["webhook_events", "provider", PROVIDERS],
  ["webhook_events", "status", WEBHOOK_STATUSES],
  ["webhook_attempts", "trigger", ATTEMPT_TRIGGERS],
  ["webhook_attempts", "outcome", ATTEMPT_OUTCOMES],
  ["webhook_rejections", "provider", PROVIDERS],
  ["webhook_replay_runs", "status", REPLAY_RUN_STATUSES],
  ["webhook_events", "resolution", REVIEW_RESOLUTIONS],
  ["payments", "provider", PROVIDERS],
  ["payments", "status", PAYMENT_STATUSES],
  ["refunds", "provider", PROVIDERS],
  ["security_events", "kind", SECURITY_EVENT_KINDS],
  ["security_events", "actor_type", ACTOR_TYPES],
  ["alert_rules", "comparison", COMPARISONS],
  ["alert_rules", "severity", SEVERITIES],
  ["alerts", "status", ALERT_STATUSES],
  ["alerts", "severity", SEVERITIES],
  ["notification_channels", "kind", CHANNEL_KINDS],
  ["notification_deliveries", "event", DELIVERY_EVENTS],
  ["notification_deliveries", "status", DELIVERY_STATUSES],
  ["incidents", "severity", SEVERITIES],
  ["incidents", "status", INCIDENT_STATUSES],
  ["incident_entries", "kind", INCIDENT_ENTRY_KINDS],
  ["emergency_checks", "status", ["pass", "warn", "fail"]],
  ["webhook_events", "verified_with", VERIFIED_WITH],
  ["provider_key_rotations", "provider", PROVIDERS],
  ["provider_key_rotations", "status", ROTATION_STATUSES],
  ["provider_key_rotation_steps", "step", ROTATION_STEPS],
];

let t: TestDatabase;
let checks: { table: string; definition: string }[];

beforeAll(async () => {
  t = await createTestDatabase();
  ({ rows: checks } = await sql<{ table: string; definition: string }>`
    SELECT conrelid::regclass::text AS table, pg_get_constraintdef(oid) AS definition
    FROM pg_constraint WHERE contype = 'c'
  `.execute(t.db));
});
afterAll(() => t.drop());

/** The values a `column IN (…)` check allows; Postgres prints it as `column = ANY (ARRAY[…])`. */
function allowedValues(table: string, column: string): string[] {
  const check = checks.find(
    (c) => c.table === table && new RegExp(`^CHECK \\(\\("?${column}"? = `).test(c.definition),
  );
  if (!check) throw new Error(`${table}.${column} has no CHECK constraint listing its values`);
  return [...check.definition.matchAll(/'([^']*)'::text/g)].map((m) => m[1]!);
}

describe("enum columns", () => {
  it.each(ENUM_COLUMNS)("%s.%s allows exactly the schema's values", (table, column, values) => {
    expect(allowedValues(table, column).sort()).toEqual([...values].sort());
  });
});
