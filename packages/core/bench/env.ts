// Sizes of the dbops benchmark (the only reader of process.env in bench/).
import { createEnvLoader } from "../src/env";
import { z } from "zod";

const ZBenchEnv = z.object({
  BENCH_DBOPS_MB: z.coerce.number().int().min(1).default(1024),
  BENCH_DBOPS_PRODUCTS: z.coerce.number().int().min(1000).default(1_000_000),
  BENCH_DBOPS_BATCH: z.coerce.number().int().min(1).default(5_000),
  BENCH_DBOPS_ROUNDS: z.coerce.number().int().min(1).max(10).default(2),
  BENCH_DBOPS_ONLY: z.enum(["backup", "migration", "all"]).default("all"),
});

export const loadBenchEnv = createEnvLoader(ZBenchEnv, () => process.env);
