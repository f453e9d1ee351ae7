// Monitoring (metric samples, alert rules, alerts, notification channels and deliveries),
// incidents (with their own timeline entries) and stored emergency-check reports.
// Frozen in time: never edit after it has shipped; add a new migration instead.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE metric_samples (
      metric text NOT NULL,
      subject text NOT NULL DEFAULT '',
      at timestamptz NOT NULL,
      value double precision NOT NULL,
      resolution_seconds integer NOT NULL DEFAULT 60 CHECK (resolution_seconds > 0),
      PRIMARY KEY (metric, subject, at)
    );
    CREATE INDEX metric_samples_at_idx ON metric_samples (at);

    CREATE TABLE alert_rules (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      key text NOT NULL UNIQUE,
      name text NOT NULL,
      metric text NOT NULL,
      comparison text NOT NULL CHECK (comparison IN ('GT','GTE','LT','LTE')),
      threshold double precision NOT NULL,
      hold_seconds integer NOT NULL CHECK (hold_seconds >= 0),
      severity text NOT NULL CHECK (severity IN ('P0','P1','P2','P3')),
      volume_metric text,
      min_volume double precision,
      enabled boolean NOT NULL DEFAULT true,
      description text NOT NULL DEFAULT '',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      updated_by text
    );

    -- A subject that breaches its rule, since when: fires once it has held hold_seconds.
    CREATE TABLE alert_rule_breaches (
      rule_id uuid NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
      subject text NOT NULL,
      since timestamptz NOT NULL,
      last_value double precision NOT NULL,
      PRIMARY KEY (rule_id, subject)
    );

    CREATE TABLE alerts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      rule_id uuid NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
      subject text NOT NULL DEFAULT '',
      status text NOT NULL DEFAULT 'FIRING' CHECK (status IN ('FIRING','ACKNOWLEDGED','RESOLVED')),
      severity text NOT NULL CHECK (severity IN ('P0','P1','P2','P3')),
      message text NOT NULL,
      value double precision NOT NULL,
      threshold double precision NOT NULL,
      fired_at timestamptz NOT NULL DEFAULT now(),
      acknowledged_at timestamptz,
      acknowledged_by text,
      resolved_at timestamptz,
      resolved_value double precision
    );
    CREATE UNIQUE INDEX alerts_one_open_idx ON alerts (rule_id, subject) WHERE status <> 'RESOLVED';
    CREATE INDEX alerts_fired_at_idx ON alerts (fired_at DESC, id DESC);

    CREATE TABLE notification_channels (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL UNIQUE,
      kind text NOT NULL CHECK (kind IN ('SLACK','WEBHOOK','EMAIL')),
      severities text[] NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      -- Non-secret settings (e-mail recipients, SMTP host) and a display hint (URL host only).
      settings jsonb NOT NULL DEFAULT '{}',
      target_hint text NOT NULL,
      -- Webhook URLs, HMAC secrets, SMTP passwords: read only by the delivery job.
      secret jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      created_by text
    );

    CREATE TABLE notification_deliveries (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      channel_id uuid NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
      alert_id uuid REFERENCES alerts (id) ON DELETE SET NULL,
      event text NOT NULL CHECK (event IN ('ALERT_FIRING','ALERT_RESOLVED','TEST')),
      status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING','RETRYING','SENT','FAILED')),
      attempts integer NOT NULL DEFAULT 0,
      max_attempts integer NOT NULL,
      last_error text,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz
    );
    CREATE INDEX notification_deliveries_created_at_idx ON notification_deliveries (created_at DESC, id DESC);

    CREATE TABLE incidents (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      title text NOT NULL,
      severity text NOT NULL CHECK (severity IN ('P0','P1','P2','P3')),
      status text NOT NULL DEFAULT 'INVESTIGATING'
        CHECK (status IN ('INVESTIGATING','IDENTIFIED','MONITORING','RESOLVED','REVIEWED')),
      alert_id uuid REFERENCES alerts (id) ON DELETE SET NULL,
      declared_at timestamptz NOT NULL DEFAULT now(),
      declared_by text,
      ack_due_at timestamptz NOT NULL,
      resolve_due_at timestamptz NOT NULL,
      acknowledged_at timestamptz,
      acknowledged_by text,
      resolved_at timestamptz,
      reviewed_at timestamptz,
      review jsonb
    );
    CREATE INDEX incidents_declared_at_idx ON incidents (declared_at DESC, id DESC);

    CREATE TABLE incident_entries (
      id bigserial PRIMARY KEY,
      incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
      at timestamptz NOT NULL DEFAULT now(),
      kind text NOT NULL CHECK (kind IN ('DECLARED','NOTE','STATUS','ACKNOWLEDGED','CHECK','REVIEW')),
      actor_label text,
      body text NOT NULL,
      data jsonb
    );
    CREATE INDEX incident_entries_incident_idx ON incident_entries (incident_id, at);

    CREATE TABLE emergency_checks (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      created_at timestamptz NOT NULL DEFAULT now(),
      created_by text,
      status text NOT NULL CHECK (status IN ('pass','warn','fail')),
      steps jsonb NOT NULL,
      incident_id uuid REFERENCES incidents (id) ON DELETE SET NULL
    );
    CREATE INDEX emergency_checks_created_at_idx ON emergency_checks (created_at DESC, id DESC);

    INSERT INTO alert_rules (key, name, metric, comparison, threshold, hold_seconds, severity, volume_metric, min_volume, description) VALUES
      ('http_p95', 'p95 latency above 2 s', 'http_latency_p95_seconds', 'GT', 2, 300, 'P1', NULL, NULL, 'Runbook: P95 > 2 s'),
      ('http_error_rate', 'Error rate above 5 %', 'http_error_rate', 'GT', 0.05, 300, 'P1', 'http_requests_per_minute', 20, 'Runbook: error rate > 5 % (at least 20 requests a minute)'),
      ('db_connections', 'Database connections above 80 % of max', 'pg_connections_ratio', 'GT', 0.8, 300, 'P1', NULL, NULL, 'Runbook: connections > 80 % of max_connections'),
      ('memory', 'Memory above 512 MB', 'process_rss_mb', 'GT', 512, 600, 'P2', NULL, NULL, 'Runbook: memory > 512 MB'),
      ('webhook_success', 'Webhook success below 95 %', 'webhook_success_rate', 'LT', 0.95, 600, 'P1', 'webhook_decided_24h', 10, 'Per provider, last 24 h, at least 10 decided events'),
      ('webhook_pending_age', 'Oldest pending webhook older than 15 min', 'webhook_oldest_pending_seconds', 'GT', 900, 120, 'P1', NULL, NULL, 'Events wait for processing'),
      ('low_stock', 'Variants below their low-stock threshold', 'inventory_low_stock_variants', 'GT', 0, 0, 'P3', NULL, NULL, 'Open low-stock alerts'),
      ('audit_chain', 'Audit chain broken', 'audit_chain_ok', 'LT', 1, 0, 'P0', NULL, NULL, 'The audit hash chain no longer verifies');
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS emergency_checks, incident_entries, incidents, notification_deliveries,
      notification_channels, alerts, alert_rule_breaches, alert_rules, metric_samples
  `.execute(db);
}
