// The extra step a sign-in asked for (new password after a reset, a TOTP code, TOTP enrolment),
// read from the error's details.
import type { TSignInStep } from "@radha/core/errors";
import { isTRPCClientError } from "@trpc/client";
import type { AppRouter } from "@radha/api/router";

export interface SignInStep {
  step: TSignInStep;
  totpSecret?: string | undefined;
  otpauthUrl?: string | undefined;
}

export function signInStepOf(err: unknown): SignInStep | null {
  if (!isTRPCClientError<AppRouter>(err)) return null;
  const details = err.data?.domain?.details;
  if (!details || !("signInStep" in details)) return null;
  return { step: details.signInStep, totpSecret: details.totpSecret, otpauthUrl: details.otpauthUrl };
}
