export * from "./security.schema";
export * from "./auth.service";
export * from "./users.service";
export * from "./service-tokens.service";
export { Keyring, ensureActiveSigningKey } from "./keyring";
export { hashPassword, verifyPassword } from "./passwords";
