// The /api/files routes: files go up and come down as bytes, not inside tRPC's JSON. Same bearer
// token as the tRPC client, and the same single retry after a token refresh on 401.
import { getAccessToken, refreshSession } from "./session";

interface Reply {
  status: number;
  /** The parsed JSON body, when there is one. */
  json: unknown;
  blob?: Blob;
  headers?: Headers;
}

const UNREACHABLE = "Cannot reach the server. Check your connection and try again.";

async function withSession(send: (token: string | null) => Promise<Reply>): Promise<Reply> {
  const reply = await send(await getAccessToken());
  if (reply.status !== 401) return reply;
  const token = await refreshSession().catch(() => null);
  return token ? send(token) : reply;
}

/** The server's own sentence for a failed request (every error body carries `message`). */
function failure(reply: Reply): Error {
  const message = (reply.json as { message?: unknown } | null)?.message;
  return new Error(typeof message === "string" ? message : `The server answered ${reply.status}.`);
}

/**
 * Posts a multipart form and returns the JSON answer. XMLHttpRequest rather than fetch because
 * only it reports upload progress (0..1).
 */
export async function uploadForm<T>(url: string, form: FormData, onProgress?: (done: number) => void) {
  const reply = await withSession(
    (token) =>
      new Promise<Reply>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open("POST", url);
        if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
        xhr.responseType = "json";
        xhr.upload.onprogress = (e) => {
          if (e.lengthComputable) onProgress?.(e.loaded / e.total);
        };
        xhr.onload = () => {
          resolve({ status: xhr.status, json: xhr.response as unknown });
        };
        xhr.onerror = () => {
          reject(new Error(UNREACHABLE));
        };
        xhr.send(form);
      }),
  );
  if (reply.status < 200 || reply.status >= 300) throw failure(reply);
  return reply.json as T;
}

/** Downloads a file route and hands it to the browser under the name the server gave it. */
export async function downloadFile(url: string, fallbackName: string): Promise<void> {
  const reply = await withSession(async (token) => {
    const res = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} }).catch(() => {
      throw new Error(UNREACHABLE);
    });
    if (!res.ok) return { status: res.status, json: await res.json().catch(() => null) };
    return { status: res.status, json: null, blob: await res.blob(), headers: res.headers };
  });
  if (!reply.blob) throw failure(reply);
  const name = /filename="([^"]+)"/.exec(reply.headers?.get("content-disposition") ?? "")?.[1];
  const href = URL.createObjectURL(reply.blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = name ?? fallbackName;
  a.click();
  URL.revokeObjectURL(href);
}
