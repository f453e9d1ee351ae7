// Browser-safe audit shapes shared with routers and the console.
import { z } from "zod";

export const ACTOR_TYPES = ["USER", "SERVICE", "SYSTEM", "ANONYMOUS"] as const;
export type TActorType = (typeof ACTOR_TYPES)[number];

export const ZAuditListInput = z.object({
  limit: z.number().int().min(1).max(200).default(50),
  beforeSeq: z.string().regex(/^\d+$/).optional(),
  action: z.string().max(100).optional(),
  actorId: z.string().max(100).optional(),
  targetId: z.string().max(200).optional(),
});
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
