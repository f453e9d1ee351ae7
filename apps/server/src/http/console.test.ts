// The console's static files: pages and scripts are served, its source maps never are.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerConsole } from "./console";

let dist: string;
let app: FastifyInstance;
beforeAll(async () => {
  dist = mkdtempSync(path.join(tmpdir(), "console-dist-"));
  mkdirSync(path.join(dist, "assets"));
  writeFileSync(path.join(dist, "index.html"), "<!doctype html><title>console</title>");
  writeFileSync(path.join(dist, "assets", "index-abc.js"), "console.log(1);");
  writeFileSync(path.join(dist, "assets", "index-abc.js.map"), '{"version":3,"sources":["src/main.tsx"]}');
  app = Fastify();
  await registerConsole(app, dist);
});
afterAll(async () => {
  await app.close();
  rmSync(dist, { recursive: true, force: true });
});

describe("console static files", () => {
  it("pages and scripts carry CSP with frame-ancestors, nosniff and a referrer policy", async () => {
    for (const url of ["/", "/inventory/batches", "/assets/index-abc.js"]) {
      const res = await app.inject({ method: "GET", url });
      expect(res.headers["content-security-policy"], url).toMatch(/default-src 'self'/);
      expect(res.headers["content-security-policy"], url).toMatch(/frame-ancestors 'none'/);
      expect(res.headers["content-security-policy"], url).toMatch(/script-src 'self'(;|$)/);
      expect(res.headers["x-content-type-options"], url).toBe("nosniff");
      expect(res.headers["referrer-policy"], url).toBe("no-referrer");
      expect(res.headers["strict-transport-security"], url).toBeUndefined();
    }
  });

  it("adds HSTS when served over HTTPS", async () => {
    const proxied = Fastify({ trustProxy: true });
    await registerConsole(proxied, dist);
    try {
      const res = await proxied.inject({
        method: "GET",
        url: "/",
        headers: { "x-forwarded-proto": "https" },
      });
      expect(res.headers["strict-transport-security"]).toMatch(/max-age=\d{7,}/);
    } finally {
      await proxied.close();
    }
  });

  it("serves the scripts, and index.html for client-side routes", async () => {
    const script = await app.inject({ method: "GET", url: "/assets/index-abc.js" });
    expect(script.statusCode).toBe(200);
    expect(script.body).toBe("console.log(1);");
    const page = await app.inject({ method: "GET", url: "/inventory/batches" });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<title>console</title>");
  });

  it("answers 404 for a source map that exists on disk, with or without a query", async () => {
    for (const url of [
      "/assets/index-abc.js.map",
      "/assets/index-abc.js.map?v=1",
      "/assets/missing.js.map",
    ]) {
      const res = await app.inject({ method: "GET", url });
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain("sources");
    }
  });

  it("allows the page's own inline scripts by their hash, and no other inline script", async () => {
    const own = '\n      window.__sessionRestore = fetch("/api/trpc/auth.refresh");\n    ';
    const withInline = mkdtempSync(path.join(tmpdir(), "console-dist-"));
    writeFileSync(
      path.join(withInline, "index.html"),
      `<!doctype html><title>console</title><script>${own}</script><script type="module" src="/assets/index-abc.js"></script>`,
    );
    const served = Fastify();
    await registerConsole(served, withInline);
    try {
      const res = await served.inject({ method: "GET", url: "/system" });
      const scriptSrc = /script-src ([^;]*)/.exec(res.headers["content-security-policy"]!)?.[1];
      const hash = createHash("sha256").update(own).digest("base64");
      expect(scriptSrc).toBe(`'self' 'sha256-${hash}'`);
    } finally {
      await served.close();
      rmSync(withInline, { recursive: true, force: true });
    }
  });
});
