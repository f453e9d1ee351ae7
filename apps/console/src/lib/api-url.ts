// Same origin in production (the server serves the console) and in dev (Vite proxies /api).
export const API_URL = "/api/trpc";
