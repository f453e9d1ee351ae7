// TOTP second factor (RFC 6238, 30 s steps, 6 digits) for ADMIN accounts, with otplib. A code is
// accepted once: the step it matched is stored and a code of that step or earlier is refused.
import { generateSecret, generateURI, verifySync } from "otplib";

export const TOTP_ISSUER = "RadhaGsareees Ops";

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(email: string, secret: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: email, secret });
}

/** The time step `code` matched (one step of clock drift allowed), or null. */
export function matchTotp(secret: string, code: string, lastStep: string | null): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const result = verifySync({ secret, token: code, epochTolerance: 30 });
  if (!result.valid) return null;
  const step = Math.floor(Date.now() / 30_000) + result.delta;
  if (lastStep !== null && step <= Number(lastStep)) return null;
  return step;
}
