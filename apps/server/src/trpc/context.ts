// Request context. createContextInner needs no HTTP request, so tests and scripts can build one.
import type { CreateFastifyContextOptions } from "@trpc/server/adapters/fastify";
import { type Principal, actorFor } from "@radha/core/security";
import type { Actor } from "@radha/core/audit";
import type { AppDeps } from "../deps";
import { REFRESH_COOKIE, readCookie } from "../http/cookies";

export interface ContextInnerOptions {
  deps: AppDeps;
  bearer?: string | null;
  refreshCookie?: string | null;
  requestId?: string;
  ip?: string | null;
  userAgent?: string | null;
  setCookie?: (value: string) => void;
  secure?: boolean;
}

export function createContextInner(opts: ContextInnerOptions) {
  let principal: Promise<Principal> | undefined;
  const meta = { requestId: opts.requestId ?? null, ip: opts.ip ?? null, userAgent: opts.userAgent ?? null };
  return {
    deps: opts.deps,
    meta,
    bearer: opts.bearer ?? null,
    refreshCookie: opts.refreshCookie ?? null,
    secure: opts.secure ?? false,
    setCookie: opts.setCookie ?? (() => undefined),
    /** Resolved once per request, and only by procedures that need a caller. */
    authenticate(): Promise<Principal> {
      if (!opts.bearer) return Promise.reject(new Error("no bearer"));
      principal ??= opts.deps.auth.authenticate(opts.bearer);
      return principal;
    },
    actor(p: Principal | null): Actor {
      return actorFor(p, meta);
    },
  };
}

export function createContext(deps: AppDeps) {
  return ({ req, res }: CreateFastifyContextOptions) => {
    const header = req.headers.authorization;
    const bearer = header?.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() : null;
    return createContextInner({
      deps,
      bearer,
      refreshCookie: readCookie(req.headers.cookie, REFRESH_COOKIE),
      requestId: req.id,
      ip: req.ip,
      userAgent: req.headers["user-agent"] ?? null,
      secure: req.protocol === "https",
      setCookie: (value) => void res.header("set-cookie", value),
    });
  };
}

export type Context = ReturnType<typeof createContextInner>;
