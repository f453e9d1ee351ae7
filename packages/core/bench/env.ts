// Sizes of the dbops and lists benchmarks (the only reader of process.env in bench/).
import { createEnvLoader } from "../src/env";
import { z } from "zod";

const ZBenchEnv = z.object({
  BENCH_DBOPS_MB: z.coerce.number().int().min(1).default(1024),
  BENCH_DBOPS_PRODUCTS: z.coerce.number().int().min(1000).default(1_000_000),
  BENCH_DBOPS_BATCH: z.coerce.number().int().min(1).default(5_000),
  BENCH_DBOPS_ROUNDS: z.coerce.number().int().min(1).max(10).default(2),
  BENCH_DBOPS_ONLY: z.enum(["backup", "migration", "all"]).default("all"),
  /** Rows of webhook events, audit and ledger in the lists benchmark (variants a tenth, orders a fifth). */
  BENCH_LISTS_ROWS: z.coerce.number().int().min(10_000).default(1_000_000),
  BENCH_LISTS_RUNS: z.coerce.number().int().min(5).default(20),
  BENCH_LISTS_BASELINE_RUNS: z.coerce.number().int().min(1).default(3),
  /** Only the lists benchmark's cases whose name contains this text (e.g. "ledger"); all when unset. */
  BENCH_LISTS_ONLY: z.string().min(1).optional(),
});

export const loadBenchEnv = createEnvLoader(ZBenchEnv, () => process.env);
