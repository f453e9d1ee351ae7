// The environment pg_dump / pg_restore inherit (PATH, locale) plus libpq settings; the one place in
// dbops that reads process.env, as the shared lint rule asks.
export function childProcessEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}

export function searchPath(): string {
  return process.env.PATH ?? "";
}
