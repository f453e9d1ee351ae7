// Build input only (imported as a type, never at run time). tsc writes the declaration of
// `routerShape` with every procedure's input and output, and the error shape, spelled out as plain
// structures, so the bundled .d.ts carries the API's types without pointing into the workspace or
// at the server's context (database, services), which callers never see.
import type { AppRouter as ApiRouter } from "@radha/api/router";
import type { AnyProcedure, AnyRouter } from "@trpc/server";

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
type Flatten<T> = T extends infer O ? { [K in keyof O]: O[K] } : never;

/**
 * The same data type with every named type replaced by its structure. Unions are rebuilt member by
 * member and object keys are mapped without `keyof T`: otherwise tsc prints the original name
 * (e.g. `import("@radha/core/system").TCheckStatus`) instead of the type.
 */
type Plain<T> = (T extends unknown ? [PlainMember<T>] : never)[0];
type PlainMember<T> = T extends Date
  ? T
  : T extends readonly unknown[]
    ? { [K in keyof T]: Plain<T[K]> }
    : T extends object
      ? Flatten<
          { [K in Exclude<keyof T, OptionalKeys<T>>]: Plain<T[K]> } & { [K in OptionalKeys<T>]?: Plain<T[K]> }
        >
      : T;

type ShapeOf<T> = T extends AnyProcedure
  ? {
      type: T["_def"]["type"];
      input: Plain<T["_def"]["$types"]["input"]>;
      output: Plain<T["_def"]["$types"]["output"]>;
    }
  : { [K in keyof T]: ShapeOf<T[K]> };

declare function shapeOf<R extends AnyRouter>(
  router: R,
): {
  errorShape: Plain<R["_def"]["_config"]["$types"]["errorShape"]>;
  transformer: R["_def"]["_config"]["$types"]["transformer"];
  procedures: { [K in keyof R["_def"]["record"]]: ShapeOf<R["_def"]["record"][K]> };
};
declare const apiRouter: ApiRouter;

/** The API as data types: read with `typeof`, never evaluated (no module imports it at run time). */
export const routerShape = shapeOf(apiRouter);
