// Serves the built console at / with a fallback to index.html for client-side routes.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import { DomainError } from "@radha/core/errors";
import type { FastifyInstance } from "fastify";
import { sendError } from "./errors";

// apps/console/dist, next to this app's folder, which is found upwards: this code runs from
// src/http/ or bundled into dist/.
export const CONSOLE_DIST = path.join(appDir(fileURLToPath(import.meta.url)), "../console/dist");

function appDir(from: string): string {
  for (let dir = path.dirname(from); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
  }
  throw new Error(`no package.json above ${from}`);
}

// The console is built with hidden source maps: they stay on disk for reading stack traces,
// and are never served.
const isSourceMap = (url: string) => (url.split("?")[0] ?? url).endsWith(".map");

/**
 * The console loads only its own scripts, styles and API; no page may frame it. Its own inline
 * scripts (index.html starts the session restore and preloads the page's chunk before the entry
 * script has loaded) are allowed by their hashes, no other. Styles allow inline because React and
 * the chart library set style attributes.
 */
export function contentSecurityPolicy(inlineScripts: readonly string[] = []): string {
  const hashes = inlineScripts.map((s) => `'sha256-${createHash("sha256").update(s).digest("base64")}'`);
  return [
    "default-src 'self'",
    ["script-src 'self'", ...hashes].join(" "),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The text of each inline (no src) script in a page, as the browser hashes it. */
export function inlineScripts(html: string): string[] {
  return [...html.matchAll(/<script(\s[^>]*)?>([\s\S]*?)<\/script>/gi)]
    .filter((m) => !/\ssrc\s*=/i.test(m[1] ?? ""))
    .map((m) => m[2] ?? "");
}

/** Security headers on every response (JSON answers are harmless under them too). */
function addSecurityHeaders(app: FastifyInstance, csp: string): void {
  app.addHook("onSend", (req, reply, payload, done) => {
    void reply
      .header("content-security-policy", csp)
      .header("x-content-type-options", "nosniff")
      .header("x-frame-options", "DENY")
      .header("referrer-policy", "no-referrer")
      .header("cross-origin-opener-policy", "same-origin");
    if (req.protocol === "https")
      void reply.header("strict-transport-security", "max-age=31536000; includeSubDomains");
    done(null, payload);
  });
}

export async function registerConsole(app: FastifyInstance, dist = CONSOLE_DIST): Promise<void> {
  const index = path.join(dist, "index.html");
  const built = existsSync(index);
  addSecurityHeaders(app, contentSecurityPolicy(built ? inlineScripts(readFileSync(index, "utf8")) : []));
  if (built)
    await app.register(fastifyStatic, {
      root: dist,
      wildcard: false,
      index: ["index.html"],
      globIgnore: ["**/*.map"],
    });
  app.setNotFoundHandler((req, reply) => {
    const wantsPage =
      req.method === "GET" && !req.url.startsWith("/api/") && req.url !== "/metrics" && !isSourceMap(req.url);
    if (wantsPage && built) return reply.header("cache-control", "no-cache").sendFile("index.html");
    if (wantsPage)
      return reply
        .code(503)
        .type("text/plain")
        .send("The console is not built yet: run `pnpm build` (or `npm run up`).");
    return sendError(reply, new DomainError("NOT_FOUND", `No route ${req.method} ${req.url.split("?")[0]}`));
  });
}
