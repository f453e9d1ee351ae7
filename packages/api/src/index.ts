// @radha/api: the tRPC routers, their context and the one error table. Mounted by apps/server;
// the console and @radha/client import its types only.
export { appRouter, createCaller, type AppRouter } from "./root";
export {
  bearerFrom,
  createContext,
  createContextInner,
  type Context,
  type ContextInnerOptions,
  type HttpContextOptions,
} from "./context";
export { requireStaff } from "./authorize";
export { createApiDeps, type ApiConfig, type ApiDeps } from "./deps";
export { REFRESH_COOKIE, readCookie, refreshCookie } from "./cookies";
export * from "./errors";
export type { Meta } from "./init";
