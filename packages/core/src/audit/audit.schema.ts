// Browser-safe audit shapes shared with routers and the console.
import { z } from "zod";
import { pageInput } from "../pagination/pagination.schema";

export const ACTOR_TYPES = ["USER", "SERVICE", "SYSTEM", "ANONYMOUS"] as const;
export type TActorType = (typeof ACTOR_TYPES)[number];

/** Newest first. */
export const ZAuditListInput = pageInput({
  /** Prefix of the action ("users." matches every users action). */
  action: z.string().max(100).optional(),
  actorId: z.string().max(100).optional(),
  targetId: z.string().max(200).optional(),
}).prefault({});
export type TAuditListInput = z.input<typeof ZAuditListInput>;

export interface TAuditEvent {
  seq: string;
  occurredAt: string;
  actorType: TActorType;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  requestId: string | null;
  ip: string | null;
  hash: string;
}

export interface TAuditVerifyResult {
  ok: boolean;
  checked: number;
  /** The first row whose stored link does not match what its content and predecessor give. */
  firstBroken: { seq: string; reason: string } | null;
}
