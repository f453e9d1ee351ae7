// The CLI's environment: the only place in apps/cli that reads process.env.
import { createEnvLoader, operationsEnv, optionalString } from "@radha/core/env";
import { z } from "zod";

const ZCliEnv = z.object({
  // Database, Redis, master key, provider keys, webhook processing, backups, audit checkpoints.
  ...operationsEnv,
  /** Where `pnpm ops …` was typed (pnpm sets it); relative CLI paths resolve against it. */
  INIT_CWD: optionalString,
});

export type TCliEnv = z.infer<typeof ZCliEnv>;

export const loadEnv = createEnvLoader(ZCliEnv, () => process.env);
