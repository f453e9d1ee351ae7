// The Database type Kysely checks every query against. Column names are camelCase here and
// snake_case in SQL (CamelCasePlugin).
import type { ColumnType, Generated, Insertable, Kysely, Selectable, Transaction } from "kysely";
import type { TActorType } from "../audit/audit.schema";
import type { TSecurityEventKind } from "../security/security-events.schema";
import type { TProductStatus } from "../catalog/catalog.schema";
import type {
  TInventoryBatchKind,
  TInventoryBatchStatus,
  TInventoryTransactionType,
  TResetOnProblem,
  TResetSource,
} from "../inventory/inventory.schema";
import type { TOrderStatus, TOversoldItem, TPaymentStatus, TReviewResolution } from "../orders/orders.schema";
import type {
  TSigningKeyAlg,
  TSigningKeyState,
  TStaffRole,
  TUserRole,
  TUserStatus,
} from "../security/security.schema";
import type { TRotationStatus, TRotationStep, TVerifiedWith } from "../security/secops.schema";
import type { TDataMigrationStatus } from "../dbops/dbops.schema";
import type {
  TAttemptOutcome,
  TAttemptTrigger,
  TProvider,
  TReplayRunStatus,
  TWebhookStatus,
} from "../webhooks/webhooks.schema";

import type { TCheckStatus } from "../system/system.schema";
import type { TIncidentEntryKind, TIncidentStatus, TSeverity } from "../incidents/incidents.schema";
import type {
  TAlertStatus,
  TChannelKind,
  TComparison,
  TDeliveryEvent,
  TDeliveryStatus,
} from "../monitoring/monitoring.schema";

// Enum columns take their values from the const arrays in the domains' schema modules; these two
// names stay for the seed and the test factories.
export type Role = TUserRole;
export type OrderStatus = TOrderStatus;

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<unknown, string, string>;

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  passwordHash: string | null;
  role: Role;
  status: Generated<TUserStatus>;
  suspendedAt: Date | null;
  suspensionReason: string | null;
  lastLoginAt: Date | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
  mustChangePassword: Generated<boolean>;
  passwordChangedAt: Date | null;
  totpSecret: string | null;
  totpPendingSecret: string | null;
  totpEnabledAt: Date | null;
  totpLastStep: string | null;
}

export interface SessionsTable {
  id: Generated<string>;
  userId: string;
  refreshTokenHash: string;
  createdAt: CreatedAt;
  expiresAt: Date;
  lastUsedAt: UpdatedAt;
  revokedAt: Date | null;
  revokedReason: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface SigningKeysTable {
  kid: string;
  alg: TSigningKeyAlg;
  state: TSigningKeyState;
  publicJwk: Json;
  /** Only on keys made before private keys were sealed; sealed at start, then null. */
  privateJwk: Json | null;
  /** The private JWK, AES-256-GCM under OPS_MASTER_KEY (see security/master-key.ts). */
  privateKeySealed: string | null;
  createdAt: CreatedAt;
  activatedAt: Date | null;
  retiringAt: Date | null;
  /** When a RETIRING key becomes RETIRED: the longest access token it signed has expired. */
  retireAfter: Date | null;
  retiredAt: Date | null;
  revokedAt: Date | null;
  revokedReason: string | null;
}

export interface ServiceTokensTable {
  id: Generated<string>;
  name: string;
  role: TStaffRole;
  tokenHash: string;
  tokenPrefix: string;
  createdBy: string | null;
  createdAt: CreatedAt;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  /** Issue 10: the person the token acts for; it dies with their suspension or demotion. */
  ownerUserId: string | null;
  expiresAt: Date;
  lastUsedIp: string | null;
}

export interface SystemConfigTable {
  key: string;
  value: Json;
  description: string | null;
  updatedAt: UpdatedAt;
  updatedBy: string | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  seq: ColumnType<string, never, never>;
  occurredAt: CreatedAt;
  actorType: TActorType;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  before: Json | null;
  after: Json | null;
  reason: string | null;
  requestId: string | null;
  ip: string | null;
  prevHash: ColumnType<string, never, never>;
  hash: ColumnType<string, never, never>;
}

export interface ProductsTable {
  id: Generated<string>;
  name: string;
  slug: string;
  description: Generated<string>;
  category: Generated<string>;
  status: Generated<TProductStatus>;
  priceMinor: number;
  currency: Generated<string>;
  images: ColumnType<unknown, string | undefined, string>;
  lowStockThreshold: number | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface ProductVariantsTable {
  id: Generated<string>;
  productId: string;
  sku: string;
  colour: string | null;
  fabric: string | null;
  blousePiece: Generated<boolean>;
  isDefault: Generated<boolean>;
  priceMinor: number | null;
  stockQuantity: Generated<number>;
  reservedQuantity: Generated<number>;
  lowStockThreshold: number | null;
  reorderPoint: number | null;
  reorderQuantity: number | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface OrdersTable {
  id: Generated<string>;
  orderNumber: string;
  customerId: string | null;
  email: string;
  status: Generated<OrderStatus>;
  paymentProvider: TProvider | null;
  paymentReference: string | null;
  totalMinor: number;
  currency: Generated<string>;
  paidAt: Date | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
  /** Paid although its stock was gone (see orders/); what each item was short of. */
  oversoldAt: Date | null;
  oversoldItems: ColumnType<TOversoldItem[] | null, string | null, string | null>;
}

export interface OrderItemsTable {
  id: Generated<string>;
  orderId: string;
  variantId: string;
  quantity: number;
  unitPriceMinor: number;
}

export interface InventoryTransactionsTable {
  id: ColumnType<string, never, never>;
  type: TInventoryTransactionType;
  productId: string;
  variantId: string;
  quantity: number;
  previousStock: number;
  newStock: number;
  reservedDelta: number;
  previousReserved: number;
  newReserved: number;
  reason: string;
  batchId: string | null;
  orderId: string | null;
  webhookEventId: string | null;
  idempotencyKey: string | null;
  actorType: TActorType;
  actorId: string | null;
  actorLabel: string | null;
  reference: string | null;
  notes: string | null;
  metadata: ColumnType<unknown, string | undefined, never>;
  createdAt: CreatedAt;
}

export interface InventoryBatchesTable {
  id: Generated<string>;
  batchKey: string;
  kind: Generated<TInventoryBatchKind>;
  status: Generated<TInventoryBatchStatus>;
  source: TResetSource;
  reason: string;
  reference: string | null;
  notes: string | null;
  onProblem: TResetOnProblem;
  rowCount: number;
  changedCount: number;
  skipped: ColumnType<unknown, string | undefined, string>;
  actorType: TActorType;
  actorId: string | null;
  actorLabel: string | null;
  createdAt: CreatedAt;
  rolledBackAt: Date | null;
  rolledBackBy: string | null;
  rollbackReason: string | null;
}

export interface InventoryBatchItemsTable {
  batchId: string;
  variantId: string;
  previousStock: number;
  newStock: number;
  delta: number;
  reason: string | null;
  notes: string | null;
}

export interface InventoryLowStockAlertsTable {
  id: Generated<string>;
  variantId: string;
  threshold: number;
  availableAtOpen: number;
  openedAt: CreatedAt;
  resolvedAt: Date | null;
  availableAtResolve: number | null;
}

export interface InventoryCountUploadsTable {
  id: Generated<string>;
  fileName: string;
  content: Buffer;
  sizeBytes: number;
  sha256: string;
  source: TResetSource;
  rowCount: number;
  ignoredCount: number;
  actorType: TActorType;
  actorId: string | null;
  actorLabel: string | null;
  createdAt: CreatedAt;
}

export interface WebhookSecretsTable {
  id: Generated<string>;
  provider: TProvider;
  /** Plain text only on rows made before secrets were sealed; sealed at start, then null. */
  secret: string | null;
  secretSealed: string | null;
  fingerprint: string | null;
  label: string;
  createdBy: string | null;
  createdAt: CreatedAt;
  expiresAt: Date | null;
  revokedAt: Date | null;
  revokedReason: string | null;
  lastVerifiedAt: Date | null;
}

export interface WebhookEventsTable {
  id: Generated<string>;
  provider: TProvider;
  providerEventId: string;
  eventType: string;
  payload: Json;
  /** The body exactly as received and signed (stored once; convert_from(raw_bytes, 'UTF8') reads it). */
  rawBytes: Buffer;
  /** The payload had characters or numbers jsonb refuses; `rawBytes` holds what was sent. */
  payloadSanitized: Generated<boolean>;
  headers: Json;
  paymentReference: string | null;
  orderReference: string | null;
  receivedAt: CreatedAt;
  status: Generated<TWebhookStatus>;
  attemptCount: Generated<number>;
  lastError: string | null;
  nextAttemptAt: Date | null;
  processedAt: Date | null;
  orderId: string | null;
  replayRunId: string | null;
  /** NEEDS_REVIEW: why (expected vs received); kept after the operator resolves it. */
  reviewReason: string | null;
  resolution: TReviewResolution | null;
  resolutionReason: string | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  /** sha256 of rawBytes: the same signed body is stored once per provider. */
  bodySha256: string | null;
  /** Which secret verified the delivery: one from the environment, or a stored one (its id). */
  verifiedWith: TVerifiedWith | null;
  verifiedSecretId: string | null;
}

export interface WebhookAttemptsTable {
  id: Generated<string>;
  eventId: string;
  number: number;
  trigger: TAttemptTrigger;
  operator: string | null;
  replayRunId: string | null;
  startedAt: Date;
  finishedAt: CreatedAt;
  outcome: TAttemptOutcome;
  error: string | null;
}

export interface WebhookRejectionsTable {
  id: Generated<string>;
  provider: TProvider;
  receivedAt: CreatedAt;
  reason: string;
  statusCode: number;
  ip: string | null;
  requestId: string | null;
  bodySha256: string | null;
  bodyBytes: number;
  headers: Json;
}

export interface WebhookReplayRunsTable {
  id: Generated<string>;
  status: Generated<TReplayRunStatus>;
  filter: Json;
  ratePerSecond: number | null;
  concurrency: Generated<number>;
  total: Generated<number>;
  done: Generated<number>;
  succeeded: Generated<number>;
  failed: Generated<number>;
  skipped: Generated<number>;
  error: string | null;
  createdBy: string | null;
  createdAt: CreatedAt;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Written by the run's executor with each progress save; the sweep resumes a run whose heartbeat stopped. */
  heartbeatAt: Date | null;
}

// Issue 10 (auth hardening): refresh-token history and the capped security-events table.
export interface RefreshTokenHistoryTable {
  tokenHash: string;
  sessionId: string;
  rotatedAt: CreatedAt;
}

export interface SecurityEventsTable {
  id: ColumnType<string, never, never>;
  occurredAt: CreatedAt;
  kind: TSecurityEventKind;
  actorType: TActorType;
  actorId: string | null;
  actorLabel: string | null;
  ip: string | null;
  requestId: string | null;
  target: string | null;
  detail: string | null;
}

// Monitoring, alerts, notifications, incidents, emergency checks (issue 12).
export interface MetricSamplesTable {
  metric: string;
  subject: ColumnType<string, string | undefined, string>;
  at: Date;
  value: number;
  resolutionSeconds: ColumnType<number, number | undefined, number>;
}
export interface AlertRulesTable {
  id: Generated<string>;
  key: string;
  name: string;
  metric: string;
  comparison: TComparison;
  threshold: number;
  holdSeconds: number;
  severity: TSeverity;
  volumeMetric: string | null;
  minVolume: number | null;
  enabled: Generated<boolean>;
  description: Generated<string>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
  updatedBy: string | null;
}
export interface AlertRuleBreachesTable {
  ruleId: string;
  subject: string;
  since: Date;
  lastValue: number;
}
export interface AlertsTable {
  id: Generated<string>;
  ruleId: string;
  subject: string;
  status: Generated<TAlertStatus>;
  severity: TSeverity;
  message: string;
  value: number;
  threshold: number;
  firedAt: CreatedAt;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
  resolvedValue: number | null;
}
export interface NotificationChannelsTable {
  id: Generated<string>;
  name: string;
  kind: TChannelKind;
  severities: TSeverity[];
  enabled: Generated<boolean>;
  settings: Json;
  targetHint: string;
  /** Plain secrets of rows written before sealing; emptied at start-up (sealStoredChannelSecrets). */
  secret: ColumnType<unknown, string | null | undefined, string | null>;
  /** The channel's secrets (JSON), sealed with OPS_MASTER_KEY; context `notification_channel:<id>`. */
  secretSealed: string | null;
  secretFingerprint: string | null;
  createdAt: CreatedAt;
  createdBy: string | null;
}
export interface NotificationDeliveriesTable {
  id: Generated<string>;
  channelId: string;
  alertId: string | null;
  event: TDeliveryEvent;
  status: Generated<TDeliveryStatus>;
  attempts: Generated<number>;
  maxAttempts: number;
  lastError: string | null;
  payload: Json;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
  sentAt: Date | null;
}
export interface IncidentsTable {
  id: Generated<string>;
  title: string;
  severity: TSeverity;
  status: Generated<TIncidentStatus>;
  alertId: string | null;
  declaredAt: CreatedAt;
  declaredBy: string | null;
  ackDueAt: Date;
  resolveDueAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
  reviewedAt: Date | null;
  review: Json | null;
}
export interface IncidentEntriesTable {
  id: Generated<string>;
  incidentId: string;
  at: CreatedAt;
  kind: TIncidentEntryKind;
  actorLabel: string | null;
  body: string;
  data: Json | null;
}
export interface EmergencyChecksTable {
  id: Generated<string>;
  createdAt: CreatedAt;
  createdBy: string | null;
  status: TCheckStatus;
  steps: Json;
  incidentId: string | null;
}

export interface Database {
  refreshTokenHistory: RefreshTokenHistoryTable;
  securityEvents: SecurityEventsTable;
}

// dbops: data-migration checkpoints.
export interface DataMigrationsTable {
  name: string;
  status: ColumnType<TDataMigrationStatus, TDataMigrationStatus | undefined, TDataMigrationStatus>;
  checkpoint: string | null;
  rowsScanned: ColumnType<string, number | undefined, number>;
  rowsChanged: ColumnType<string, number | undefined, number>;
  batches: Generated<number>;
  pauseRequested: Generated<boolean>;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface Database {
  dataMigrations: DataMigrationsTable;
  webhookSecrets: WebhookSecretsTable;
  webhookEvents: WebhookEventsTable;
  webhookAttempts: WebhookAttemptsTable;
  webhookRejections: WebhookRejectionsTable;
  webhookReplayRuns: WebhookReplayRunsTable;
  users: UsersTable;
  sessions: SessionsTable;
  signingKeys: SigningKeysTable;
  serviceTokens: ServiceTokensTable;
  systemConfig: SystemConfigTable;
  auditLog: AuditLogTable;
  products: ProductsTable;
  productVariants: ProductVariantsTable;
  orders: OrdersTable;
  orderItems: OrderItemsTable;
  inventoryTransactions: InventoryTransactionsTable;
  inventoryBatches: InventoryBatchesTable;
  inventoryBatchItems: InventoryBatchItemsTable;
  inventoryLowStockAlerts: InventoryLowStockAlertsTable;
  inventoryCountUploads: InventoryCountUploadsTable;
  payments: PaymentsTable;
  refunds: RefundsTable;
  // secops: provider key-rotation checklists
  providerKeyRotations: ProviderKeyRotationsTable;
  providerKeyRotationSteps: ProviderKeyRotationStepsTable;
  metricSamples: MetricSamplesTable;
  alertRules: AlertRulesTable;
  alertRuleBreaches: AlertRuleBreachesTable;
  alerts: AlertsTable;
  notificationChannels: NotificationChannelsTable;
  notificationDeliveries: NotificationDeliveriesTable;
  incidents: IncidentsTable;
  incidentEntries: IncidentEntriesTable;
  emergencyChecks: EmergencyChecksTable;
  requestStatFlushes: RequestStatFlushesTable;
}

// --- request metrics from every instance (2026_12_03_1100_sealed_channels_request_stats) ---
export interface RequestStatFlushesTable {
  id: Generated<string>;
  instance: string;
  flushedAt: CreatedAt;
  requests: ColumnType<string, number, number>;
  errors: ColumnType<string, number, number>;
  buckets: Json;
}

// --- orders: payments and refunds (2026_12_02_0800_payments) ---
export interface PaymentsTable {
  id: Generated<string>;
  orderId: string;
  provider: TProvider;
  providerPaymentId: string;
  amountMinor: number;
  currency: string;
  status: TPaymentStatus;
  failureReason: string | null;
  capturedAt: Date | null;
  webhookEventId: string | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface RefundsTable {
  id: Generated<string>;
  paymentId: string;
  orderId: string;
  provider: TProvider;
  providerRefundId: string;
  placeholder: Generated<boolean>;
  amountMinor: number;
  currency: string;
  reason: string | null;
  webhookEventId: string | null;
  createdAt: CreatedAt;
}

// secops: provider key-rotation checklists (security/providers.service.ts)
export interface ProviderKeyRotationsTable {
  id: Generated<string>;
  provider: TProvider;
  status: Generated<TRotationStatus>;
  reason: string;
  createdBy: string | null;
  createdAt: CreatedAt;
  finishedAt: Date | null;
}

export interface ProviderKeyRotationStepsTable {
  rotationId: string;
  step: TRotationStep;
  doneBy: string;
  doneAt: CreatedAt;
  note: string | null;
}

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
export type DbOrTrx = Db | Trx;
export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
