// What core's test helpers and tests read from the environment, on the shared parser.
import { createEnvLoader, optionalString, redisEnv } from "../env";
import { z } from "zod";

const ZTestEnv = z.object({
  /** A Postgres server the tests may create databases on; `pnpm test` provides one. */
  DATABASE_URL: optionalString,
  ...redisEnv,
  CI: optionalString,
});

export const loadTestEnv = createEnvLoader(ZTestEnv, () => process.env);
