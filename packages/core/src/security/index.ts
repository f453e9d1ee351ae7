export * from "./security.schema";
export * from "./auth.service";
export * from "./users.service";
export * from "./service-tokens.service";
export { Keyring, ensureActiveSigningKey } from "./keyring";
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
