// The CLI's environment: the only place in apps/cli that reads process.env.
import {
  auditCheckpointEnv,
  createEnvLoader,
  databaseEnv,
  dbopsEnv,
  optionalString,
  redisEnv,
  securityEnv,
  webhookProcessingEnv,
} from "@radha/core/env";
import { z } from "zod";

const ZCliEnv = z.object({
  ...databaseEnv,
  ...webhookProcessingEnv,
  // secops: the master key, Redis to announce key/secret changes, provider keys to check.
  ...securityEnv,
  ...redisEnv,
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  RAZORPAY_KEY_ID: optionalString,
  RAZORPAY_KEY_SECRET: optionalString,
  RAZORPAY_WEBHOOK_SECRET: optionalString,
  ...dbopsEnv,
  ...auditCheckpointEnv,
  /** Where `pnpm ops …` was typed (pnpm sets it); relative CLI paths resolve against it. */
  INIT_CWD: optionalString,
});

export type TCliEnv = z.infer<typeof ZCliEnv>;

export const loadEnv = createEnvLoader(ZCliEnv, () => process.env);
