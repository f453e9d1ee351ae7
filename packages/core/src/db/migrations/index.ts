// Every migration, listed explicitly so bundling or a stray file never changes the set.
import type { Migration } from "kysely";
import * as foundation from "./2026_11_28_0001_foundation";
import * as inventory from "./2026_11_28_0002_inventory";
import * as webhooks from "./2026_11_28_0003_webhooks";
import * as inventoryCountUploads from "./2026_11_29_0001_inventory_count_uploads";
import * as webhookRawBytes from "./2026_12_01_0001_webhook_raw_bytes";
// dbroles
import * as appRole from "./2026_12_02_1050_app_role";

export const migrations: Record<string, Migration> = {
  "2026_11_28_0001_foundation": foundation,
  "2026_11_28_0002_inventory": inventory,
  "2026_11_28_0003_webhooks": webhooks,
  "2026_11_29_0001_inventory_count_uploads": inventoryCountUploads,
  "2026_12_01_0001_webhook_raw_bytes": webhookRawBytes,
  // dbroles
  "2026_12_02_1050_app_role": appRole,
};
