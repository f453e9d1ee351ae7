// Every migration, listed explicitly so bundling or a stray file never changes the set.
import type { Migration } from "kysely";
import * as foundation from "./2026_11_28_0001_foundation";
import * as inventory from "./2026_11_28_0002_inventory";
import * as webhooks from "./2026_11_28_0003_webhooks";
import * as inventoryCountUploads from "./2026_11_29_0001_inventory_count_uploads";
import * as webhookRawBytes from "./2026_12_01_0001_webhook_raw_bytes";
import * as payments from "./2026_12_02_0800_payments";
import * as securityOperations from "./2026_12_02_0900_security_operations";
import * as authHardening from "./2026_12_02_1000_auth_hardening";
import * as dataMigrations from "./2026_12_02_1100_data_migrations";
import * as monitoringIncidents from "./2026_12_02_1200_monitoring_incidents";
import * as connectedAlertRules from "./2026_12_02_1201_connected_alert_rules";
import * as appRole from "./2026_12_02_1050_app_role";
import * as systemConfigNotify from "./2026_12_03_1200_system_config_notify";
import * as listIndexes from "./2026_12_03_1300_list_indexes";
import * as sealedChannelsRequestStats from "./2026_12_03_1100_sealed_channels_request_stats";
import * as auditChainHeadByIndex from "./2026_12_03_1400_audit_chain_head_by_index";
import * as webhookHealthRollup from "./2026_12_04_1100_webhook_health_rollup";
import * as stockLedgerListIndexes from "./2026_12_04_1101_stock_ledger_list_indexes";
import * as variantProductIdHash from "./2026_12_05_1200_variant_product_id_hash";
import * as webhookBodyHashRazorpayOnly from "./2026_12_08_3000_webhook_body_hash_razorpay_only";
import * as replayRunHeartbeat from "./2026_12_08_5000_replay_run_heartbeat";
import * as webhookBodyOnce from "./2026_12_09_1000_webhook_body_once";

export const migrations: Record<string, Migration> = {
  "2026_11_28_0001_foundation": foundation,
  "2026_11_28_0002_inventory": inventory,
  "2026_11_28_0003_webhooks": webhooks,
  "2026_11_29_0001_inventory_count_uploads": inventoryCountUploads,
  "2026_12_01_0001_webhook_raw_bytes": webhookRawBytes,
  "2026_12_02_0800_payments": payments,
  "2026_12_02_0900_security_operations": securityOperations,
  "2026_12_02_1000_auth_hardening": authHardening,
  "2026_12_02_1100_data_migrations": dataMigrations,
  "2026_12_02_1200_monitoring_incidents": monitoringIncidents,
  "2026_12_02_1201_connected_alert_rules": connectedAlertRules,
  "2026_12_02_1050_app_role": appRole,
  "2026_12_03_1200_system_config_notify": systemConfigNotify,
  "2026_12_03_1300_list_indexes": listIndexes,
  "2026_12_03_1100_sealed_channels_request_stats": sealedChannelsRequestStats,
  "2026_12_03_1400_audit_chain_head_by_index": auditChainHeadByIndex,
  "2026_12_04_1100_webhook_health_rollup": webhookHealthRollup,
  "2026_12_04_1101_stock_ledger_list_indexes": stockLedgerListIndexes,
  "2026_12_05_1200_variant_product_id_hash": variantProductIdHash,
  "2026_12_08_3000_webhook_body_hash_razorpay_only": webhookBodyHashRazorpayOnly,
  "2026_12_08_5000_replay_run_heartbeat": replayRunHeartbeat,
  "2026_12_09_1000_webhook_body_once": webhookBodyOnce,
};
