import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin, type Rollup } from "vite";
import { API_URL } from "./src/lib/api-url";
import { earlyBatchUrl } from "./src/lib/early-queries";
import { SYSTEM_PAGE_PROCEDURES } from "./src/features/system/system-queries";

const api = "http://127.0.0.1:3000";

/** Pages whose chunk (and queries) a cold load of their address fetches alongside the entry script. */
const SYSTEM_PAGE = { module: "src/features/system/system-page.tsx", procedures: SYSTEM_PAGE_PROCEDURES };
const PRELOAD_ON_LOAD: Record<string, { module: string; procedures: readonly string[] }> = {
  "/system": SYSTEM_PAGE,
  "/": SYSTEM_PAGE, // signed in, / goes to /system
};

/**
 * Adds to the built index.html an inline script that, on a cold load of one of those addresses,
 * preloads the page's chunk and the chunks it imports, and sends the page's queries as soon as
 * the session restore index.html started answers, with its access token: otherwise they are
 * only requested once the entry script has run, React has rendered and the router has matched
 * the route. The app's tRPC client takes that answer (src/lib/early-queries.ts). The server
 * allows the script by its hash in the CSP.
 */
function preloadPageOnLoad(): Plugin {
  const files = (bundle: Rollup.OutputBundle, module: string) => {
    const chunks = Object.values(bundle).filter((c): c is Rollup.OutputChunk => c.type === "chunk");
    const page = chunks.find((c) => c.facadeModuleId?.endsWith(`/${module}`));
    if (!page) throw new Error(`preloadPageOnLoad: no chunk for ${module}`);
    const initial = new Set<string>();
    const walk = (name: string, into: Set<string>) => {
      if (into.has(name) || (into !== initial && initial.has(name))) return;
      into.add(name);
      const chunk = bundle[name];
      if (chunk?.type === "chunk") for (const i of chunk.imports) walk(i, into);
    };
    for (const c of chunks) if (c.isEntry) walk(c.fileName, initial);
    const own = new Set<string>();
    walk(page.fileName, own);
    return [...own].map((f) => `/${f}`);
  };
  return {
    name: "preload-page-on-load",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler(html, ctx) {
        if (!ctx.bundle) return;
        const bundle = ctx.bundle;
        const pathsByPage = new Map<(typeof PRELOAD_ON_LOAD)[string], string[]>();
        for (const [p, page] of Object.entries(PRELOAD_ON_LOAD))
          pathsByPage.set(page, [...(pathsByPage.get(page) ?? []), p]);
        const pages = [...pathsByPage].map(([page, paths]) => [
          paths,
          files(bundle, page.module),
          earlyBatchUrl(API_URL, page.procedures),
        ]);
        const script = `<script>
      for (const [paths, files, queries] of ${JSON.stringify(pages)})
        if (paths.includes(location.pathname)) {
          for (const href of files) {
            const link = document.createElement("link");
            link.rel = "modulepreload";
            link.href = href;
            document.head.append(link);
          }
          // The refresh answer is cloned: src/lib/session.ts reads it too.
          const answer = window.__sessionRestore
            ?.then((res) => (res?.ok ? res.clone().json() : null))
            .then((body) => body?.result?.data?.accessToken)
            .then((token) => (token ? fetch(queries, { headers: { authorization: "Bearer " + token } }) : null))
            .catch(() => null);
          if (answer) window.__pageQueries = { url: queries, answer };
        }
    </script>
    `;
        // Before the entry script and the stylesheet: a script after a stylesheet waits for it.
        const at = html.indexOf('<script type="module"');
        if (at < 0) throw new Error("preloadPageOnLoad: index.html has no module script");
        return html.slice(0, at) + script + html.slice(at);
      },
    },
  };
}

export default defineConfig({
  plugins: [react(), preloadPageOnLoad()],
  server: {
    proxy: { "/api": { target: api, changeOrigin: false }, "/metrics": { target: api, changeOrigin: false } },
  },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: "hidden" },
});
