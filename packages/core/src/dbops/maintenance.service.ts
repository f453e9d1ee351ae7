// Vacuum and analyze for a server whose autovacuum is off (as on this project's CI machines): the
// minute cron `dbops_table_maintenance` does for the application's tables what autovacuum would, by its
// own thresholds, on the owner's connection (the application role owns nothing and may not
// VACUUM). With autovacuum on it does nothing.
//
// Why: webhook events change status (PENDING → PROCESSED, FAILED → PROCESSED on replay), every
// change leaves the old row's index entries behind, and only VACUUM removes them. Without it the
// scans that look for the few live PENDING or FAILED rows walk every entry left since the last
// VACUUM: in a 10-minute soak the FAILED list's index scan went from 23 to 190 buffers and the
// oldest-pending probe of webhook health from 193 to 360, growing with every minute.
import { createDb } from "../db/client";
import { autovacuumIsOn, selectStaleTables, vacuumOrAnalyze, type StaleTableRow } from "./dbops.queries";

export interface TMaintenanceResult {
  /** The server's autovacuum runs: nothing was done. */
  autovacuum: boolean;
  /** What was done, table by table, most dead rows first. */
  tables: (StaleTableRow & { ms: number })[];
}

/**
 * One pass over the application's tables on `ownerUrl` (the migration role's URL). Tables another
 * session holds locked are skipped (SKIP_LOCKED) and come up again on the next pass.
 */
export async function runTableMaintenance(ownerUrl: string): Promise<TMaintenanceResult> {
  const { db } = createDb({ connectionString: ownerUrl, max: 1, applicationName: "radha-ops-maintenance" });
  try {
    if (await autovacuumIsOn(db)) return { autovacuum: true, tables: [] };
    const tables: TMaintenanceResult["tables"] = [];
    for (const t of await selectStaleTables(db)) {
      const started = Date.now();
      await vacuumOrAnalyze(db, t);
      tables.push({ ...t, ms: Date.now() - started });
    }
    return { autovacuum: false, tables };
  } finally {
    await db.destroy();
  }
}
