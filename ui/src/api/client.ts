// Every call to the API: JSON in and out, the session cookie, and the CSRF header.

import { ApiError, errorFromAnswer } from "./errors";

export const API = "/api/v1";
const CSRF_COOKIE = "zane_csrf";
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export interface Answer<T> {
  data: T;
  etag: string | null;
}

type Listener = () => void;
const onUnauthenticated = new Set<Listener>();

/** Called when the session is gone, so the app can show the login screen. */
export function whenLoggedOut(listener: Listener): () => void {
  onUnauthenticated.add(listener);
  return () => onUnauthenticated.delete(listener);
}

export function csrfToken(): string {
  const pair = document.cookie.split("; ").find((part) => part.startsWith(CSRF_COOKIE + "="));
  return pair ? decodeURIComponent(pair.slice(CSRF_COOKIE.length + 1)) : "";
}

interface Options {
  body?: unknown;
  ifMatch?: number;
  signal?: AbortSignal;
}

function headersFor(method: string, options: Options): Headers {
  const headers = new Headers({ Accept: "application/json" });
  if (options.body !== undefined) headers.set("Content-Type", "application/json");
  if (UNSAFE.has(method)) headers.set("X-CSRF-Token", csrfToken());
  if (options.ifMatch !== undefined) headers.set("If-Match", `"${options.ifMatch}"`);
  return headers;
}

async function readBody(answer: Response): Promise<unknown> {
  if (answer.status === 204) return null;
  const text = await answer.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function call<T>(
  method: string,
  path: string,
  options: Options = {},
): Promise<Answer<T>> {
  const answer = await fetch(API + path, {
    method,
    headers: headersFor(method, options),
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: "same-origin",
    signal: options.signal,
  });
  const body = await readBody(answer);
  if (!answer.ok) {
    const error = errorFromAnswer(answer.status, body);
    if (answer.status === 401 && !path.startsWith("/auth/login")) {
      onUnauthenticated.forEach((listener) => listener());
    }
    throw error;
  }
  return { data: body as T, etag: answer.headers.get("ETag") };
}

export const get = async <T>(path: string, signal?: AbortSignal): Promise<T> =>
  (await call<T>("GET", path, { signal })).data;
export const post = async <T>(path: string, body?: unknown, ifMatch?: number): Promise<T> =>
  (await call<T>("POST", path, { body, ifMatch })).data;
export const put = async <T>(path: string, body: unknown, ifMatch?: number): Promise<T> =>
  (await call<T>("PUT", path, { body, ifMatch })).data;
export const del = async <T>(path: string): Promise<T> => (await call<T>("DELETE", path)).data;

export { ApiError };
