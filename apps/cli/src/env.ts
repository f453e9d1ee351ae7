// The CLI's environment: the only place in apps/cli that reads process.env.
import {
  auditCheckpointEnv,
  createEnvLoader,
  databaseEnv,
  optionalString,
  webhookProcessingEnv,
} from "@radha/core/env";
import { z } from "zod";

const ZCliEnv = z.object({
  ...databaseEnv,
  ...webhookProcessingEnv,
  ...auditCheckpointEnv,
  /** Where `pnpm ops …` was typed (pnpm sets it); relative CLI paths resolve against it. */
  INIT_CWD: optionalString,
});

export type TCliEnv = z.infer<typeof ZCliEnv>;

export const loadEnv = createEnvLoader(ZCliEnv, () => process.env);
