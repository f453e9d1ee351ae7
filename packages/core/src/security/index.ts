export * from "./security.schema";
export * from "./auth.service";
export * from "./users.service";
export * from "./service-tokens.service";
export { Keyring } from "./keyring";
export * from "./secops.schema";
export * from "./keys.service";
export * from "./sessions.service";
export { newSigningKeyRow, SIGNING_KEYS_CHANNEL } from "./keyring";
export { parseMasterKey, generateMasterKey, fingerprintSecret, type MasterKey } from "./master-key";
export * from "./providers.service";
export { staffUserIdByEmail } from "./staff-lookup";
export {
  hashPassword,
  verifyPassword,
  needsRehash,
  setPasswordHashCost,
  PRODUCTION_SCRYPT_LOG_N,
} from "./passwords";
export * from "./passwords-policy";
export * from "./credentials.service";
export * from "./security-events.service";
export * from "./db-password.service";
export { isSealedTotp, sealStoredTotpSecrets } from "./totp-seal";
