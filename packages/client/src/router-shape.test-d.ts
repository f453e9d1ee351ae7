// Checked by `tsc` (the typecheck task): the router type callers get from the built .d.ts must
// accept and return exactly what the server's router does.
import type { AppRouter as ApiRouter } from "@radha/api/router";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { expectTypeOf } from "vitest";
import type { OpsInputs, OpsOutputs } from "./index";

expectTypeOf<OpsInputs>().branded.toEqualTypeOf<inferRouterInputs<ApiRouter>>();
expectTypeOf<OpsOutputs>().branded.toEqualTypeOf<inferRouterOutputs<ApiRouter>>();
