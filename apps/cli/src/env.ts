// The CLI's environment: the only place in apps/cli that reads process.env.
import {
  createEnvLoader,
  databaseEnv,
  optionalString,
  redisEnv,
  webhookProcessingEnv,
} from "@radha/core/env";
import { z } from "zod";

const ZCliEnv = z.object({
  ...databaseEnv,
  ...webhookProcessingEnv,
  // Emergency commands announce flag changes to every server over Redis and check providers.
  ...redisEnv,
  STRIPE_SECRET_KEY: optionalString,
  RAZORPAY_KEY_ID: optionalString,
  RAZORPAY_KEY_SECRET: optionalString,
  /** Where `pnpm ops …` was typed (pnpm sets it); relative CLI paths resolve against it. */
  INIT_CWD: optionalString,
});

export type TCliEnv = z.infer<typeof ZCliEnv>;

export const loadEnv = createEnvLoader(ZCliEnv, () => process.env);
