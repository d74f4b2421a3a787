/**
 * Helpers for the management API tests: a small JSON client over real HTTP, a second workspace
 * with its own keys, a signed-in session (next-auth credentials flow) and a chat request.
 */
import { randomBytes } from "node:crypto";
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from "@/lib/crypto";
import { chatBody, type Harness } from "./gateway-harness";

export const ADMIN_KEY = "detour-admin-key-for-api-tests-0001";
export const ADMIN_PASSWORD = "api-tests-password-1";

export type ApiAnswer = { status: number; json: any; text: string; headers: Headers };

export type ApiClient = {
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
  get(path: string): Promise<ApiAnswer>;
  post(path: string, body?: unknown): Promise<ApiAnswer>;
  put(path: string, body?: unknown): Promise<ApiAnswer>;
  del(path: string): Promise<ApiAnswer>;
};

/** An HTTP answer read whole: its status, its text, and the text parsed as JSON (null when it is not JSON). */
export async function answerOf(res: Response): Promise<ApiAnswer> {
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** A client for `/v1` that sends `auth` headers (an API key, a session cookie, or nothing). */
export function apiClient(h: Harness, auth: Record<string, string>): ApiClient {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${h.baseURL}${path}`, {
      method,
      headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...auth, ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    return answerOf(res);
  };
  return {
    call,
    get: (path) => call("GET", path),
    post: (path, body) => call("POST", path, body),
    put: (path, body) => call("PUT", path, body),
    del: (path) => call("DELETE", path),
  };
}

export const withKey = (h: Harness, key: string) => apiClient(h, { "x-portkey-api-key": key });

/** Stores an API key row directly (as the bootstrap would) and returns the key. */
export async function insertApiKey(
  h: Harness,
  workspaceId: string,
  scope: "gateway" | "admin",
  name = `${scope} ${randomBytes(3).toString("hex")}`,
): Promise<string> {
  const key = generateApiKey();
  await h.db.apiKey.create({ data: { workspaceId, name, prefix: apiKeyDisplayPrefix(key), hash: hashApiKey(key), scope } });
  return key;
}

export type OtherWorkspace = { workspaceId: string; adminKey: string; gatewayKey: string };

/** A second workspace with an admin key and a gateway key of its own. */
export async function createWorkspace(h: Harness, name = "Workspace B"): Promise<OtherWorkspace> {
  const ws = await h.db.workspace.create({ data: { name, slug: `ws-${randomBytes(4).toString("hex")}` } });
  return { workspaceId: ws.id, adminKey: await insertApiKey(h, ws.id, "admin"), gatewayKey: await insertApiKey(h, ws.id, "gateway") };
}

/** Signs in through next-auth's credentials flow and returns the Cookie header of the session. */
export async function signIn(h: Harness, email = "admin@detour.local", password = ADMIN_PASSWORD): Promise<string> {
  const csrfRes = await fetch(`${h.url}/api/auth/csrf`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const jar = cookiesOf(csrfRes.headers);
  const res = await fetch(`${h.url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader(jar) },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }).toString(),
  });
  const all = { ...jar, ...cookiesOf(res.headers) };
  if (!Object.keys(all).some((name) => name.includes("session-token"))) throw new Error(`sign-in failed: ${res.status}`);
  return cookieHeader(all);
}

function cookiesOf(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of headers.getSetCookie()) {
    const [pair] = line.split(";");
    const eq = pair!.indexOf("=");
    out[pair!.slice(0, eq).trim()] = pair!.slice(eq + 1).trim();
  }
  return out;
}

const cookieHeader = (jar: Record<string, string>) =>
  Object.entries(jar)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");

/** POST /v1/chat/completions with a Detour key and extra headers. */
export async function chat(h: Harness, apiKey: string, headers: Record<string, string>, body: Record<string, unknown> = chatBody()) {
  const res = await fetch(`${h.baseURL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-portkey-api-key": apiKey, ...headers },
    body: JSON.stringify(body),
  });
  const { status, json, text } = await answerOf(res);
  return { status, json, text, requestId: res.headers.get("x-portkey-request-id") ?? "" };
}

/** Asserts the one error shape: `{error: {message, type, code, param}}`, no stack traces. */
export function errorOf(answer: ApiAnswer): {
  message: string;
  type: string;
  code: string;
  param: string | null;
  issues?: { path: string; message: string }[];
} {
  const error = answer.json?.error;
  if (!error || typeof error.message !== "string" || typeof error.code !== "string")
    throw new Error(`not an error body (${answer.status}): ${answer.text.slice(0, 300)}`);
  if (/\bat .+\(.+:\d+:\d+\)|node_modules|\.ts:\d+/.test(answer.text))
    throw new Error(`error body leaks internals: ${answer.text.slice(0, 300)}`);
  return error;
}
