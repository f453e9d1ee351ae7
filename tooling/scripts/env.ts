// The test tooling's environment (services check, embedded Postgres for a run, browser journeys):
// the only place in tooling/scripts, and for the console's e2e harness, that reads process.env.
import { createEnvLoader, databaseEnv, optionalString, redisEnv } from "@radha/core/env";
import { z } from "zod";

const ZToolingEnv = z.object({
  ...databaseEnv,
  ...redisEnv,
  /** Set by CI: then a missing DATABASE_URL or REDIS_URL is an error, not a fallback. */
  CI: optionalString,
  CHROMIUM_PATH: z.string().default("/usr/bin/chromium"),
});

export type TToolingEnv = z.infer<typeof ZToolingEnv>;

export const loadEnv = createEnvLoader(ZToolingEnv, () => process.env);
