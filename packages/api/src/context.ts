// Request context. createContextInner needs no HTTP request, so tests and scripts can build one.
import { type Principal, actorFor } from "@radha/core/security";
import type { Actor } from "@radha/core/audit";
import type { ApiDeps } from "./deps";
import { REFRESH_COOKIE, readCookie } from "./cookies";

export interface ContextInnerOptions {
  deps: ApiDeps;
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
      principal ??= opts.deps.auth.authenticate(opts.bearer, meta);
      return principal;
    },
    actor(p: Principal | null): Actor {
      return actorFor(p, meta);
    },
  };
}

/** The token of an `Authorization: Bearer …` header, or null. */
export function bearerFrom(header: string | undefined): string | null {
  return header?.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() || null : null;
}

/** What createContext reads of an HTTP request; Fastify's request and reply satisfy it. */
export interface HttpContextOptions {
  req: {
    id: string;
    ip: string;
    protocol: string;
    headers: {
      authorization?: string | undefined;
      cookie?: string | undefined;
      "user-agent"?: string | undefined;
    };
  };
  res: { header(name: string, value: string): unknown };
}

export function createContext(deps: ApiDeps) {
  return ({ req, res }: HttpContextOptions) =>
    createContextInner({
      deps,
      bearer: bearerFrom(req.headers.authorization),
      refreshCookie: readCookie(req.headers.cookie, REFRESH_COOKIE),
      requestId: req.id,
      ip: req.ip,
      userAgent: req.headers["user-agent"] ?? null,
      secure: req.protocol === "https",
      setCookie: (value) => void res.header("set-cookie", value),
    });
}

export type Context = ReturnType<typeof createContextInner>;
