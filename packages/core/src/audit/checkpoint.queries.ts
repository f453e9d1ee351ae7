// Audit checkpoints read the chain's head and the row at a checkpoint's seq.
import type { DbOrTrx } from "../db/database";

export interface ChainPoint {
  seq: string;
  hash: string;
}

export async function selectChainHead(db: DbOrTrx): Promise<ChainPoint | undefined> {
  return db.selectFrom("auditLog").select(["seq", "hash"]).orderBy("seq", "desc").limit(1).executeTakeFirst();
}

export async function selectChainPoint(db: DbOrTrx, seq: string): Promise<ChainPoint | undefined> {
  return db.selectFrom("auditLog").select(["seq", "hash"]).where("seq", "=", seq).executeTakeFirst();
}
