export * from "./audit.schema";
export * from "./audit.service";
export {
  checkpointConfigFromEnv,
  checkpointKey,
  verifyAuditCheckpoint,
  writeAuditCheckpoint,
  type AuditCheckpoint,
  type CheckpointConfig,
  type TCheckpointCheck,
} from "./checkpoint";
