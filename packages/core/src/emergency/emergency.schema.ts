// Browser-safe emergency shapes: the payment switch and the recovery checklist report.
import { z } from "zod";
import type { TCheckStatus } from "../system/system.schema";

export const ZEmergencyReason = z.object({
  reason: z.string().trim().min(3, "reason: say why (at least 3 characters)").max(500),
});
export const ZResumePayments = z.object({
  reason: z.string().trim().min(3, "reason: say why (at least 3 characters)").max(500).optional(),
});
export const ZMaintenance = z.object({
  on: z.boolean(),
  reason: z.string().trim().min(3, "reason: say why (at least 3 characters)").max(500),
});

export interface TEmergencyState {
  paymentsEnabled: boolean;
  maintenanceMode: boolean;
}

export interface TCheckStep {
  name: string;
  status: TCheckStatus;
  message: string;
  /** The figures behind the verdict (ages in seconds, counts, bytes). */
  figures: Record<string, number | string | null>;
  durationMs: number;
}

export interface TCheckReport {
  id: string;
  createdAt: string;
  createdBy: string | null;
  status: TCheckStatus;
  steps: TCheckStep[];
  incidentIds: string[];
}
