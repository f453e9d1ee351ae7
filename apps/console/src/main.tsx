import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { createRoot } from "react-dom/client";
import { RouterProvider } from "react-router/dom";
import { errorStatus } from "./lib/errors";
import { restoreSession } from "./lib/session";
import { createConsoleClient, TRPCProvider } from "./lib/trpc";
import { createRouter } from "./routes";
import "./styles.css";

function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      // Client errors (bad input, no permission) will not change on retry; flaky network might.
      queries: { retry: (count, err) => count < 2 && (errorStatus(err) ?? 500) >= 500, staleTime: 5_000 },
      mutations: { retry: false },
    },
  });
}

// One app per page: the clients and the router are made before React's first render, so the
// route's loader starts the page's chunk and, once the session is back, its queries right away.
void restoreSession();
const queryClient = createQueryClient();
const trpcClient = createConsoleClient();
const router = createRouter({
  queryClient,
  trpc: createTRPCOptionsProxy({ client: trpcClient, queryClient }),
});

function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <RouterProvider router={router} />
      </TRPCProvider>
    </QueryClientProvider>
  );
}

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
