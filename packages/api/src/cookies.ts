// The console's refresh token travels in an HttpOnly cookie scoped to the API.
export const REFRESH_COOKIE = "radha_rt";

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return null;
}

export function refreshCookie(token: string | null, maxAgeSeconds: number, secure: boolean): string {
  const attrs = [
    `${REFRESH_COOKIE}=${token ? encodeURIComponent(token) : ""}`,
    "Path=/api",
    "HttpOnly",
    "SameSite=Strict",
    `Max-Age=${token ? maxAgeSeconds : 0}`,
  ];
  if (secure) attrs.push("Secure");
  return attrs.join("; ");
}
