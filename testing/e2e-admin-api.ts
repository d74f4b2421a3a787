/** The management API as the e2e specs call it: with the admin key the e2e server registers at start. */
import { expect } from "@playwright/test";
import { E2E_ADMIN_API_KEY, E2E_PORT } from "../playwright.config";

export const API = `http://127.0.0.1:${E2E_PORT}/v1`;

/** One management call; a non-2xx answer throws with its body, so setup failures say why. */
export async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${API}${path}`, {
    method,
    headers: { "x-portkey-api-key": E2E_ADMIN_API_KEY, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** An OpenAI virtual key whose custom host is the mock upstream; returns its slug. */
export async function openaiVirtualKey(name: string, key: string, mockUrl: string): Promise<string> {
  return (await admin<{ slug: string }>("POST", "/virtual-keys", { name, provider: "openai", key, custom_host: `${mockUrl}/v1` })).slug;
}

/** An Azure OpenAI virtual key on the mock upstream, deployment `gpt4o-prod` (alias gpt-4o, the default); returns its slug. */
export async function azureVirtualKey(name: string, key: string, mockUrl: string): Promise<string> {
  const body = {
    name,
    provider: "azure-openai",
    key,
    resource_name: "detour-e2e",
    api_version: "2024-10-21",
    custom_host: `${mockUrl}/openai`,
    deployments: [{ deployment_name: "gpt4o-prod", alias: "gpt-4o", is_default: true }],
  };
  return (await admin<{ slug: string }>("POST", "/virtual-keys", body)).slug;
}

/** A chat completion through the gateway, as the specs send one to have something logged or to see a key's rules hold. */
export type GatewayChat = {
  /** Sent as `x-portkey-virtual-key`. */
  virtualKey?: string;
  /** Sent as `x-portkey-config`. */
  config?: string;
  /** Sent as `x-portkey-trace-id`. */
  traceId?: string;
  /** Sent as `x-portkey-metadata` (JSON). */
  metadata?: Record<string, string>;
  /** More headers, sent last (e.g. `x-portkey-custom-host`, or a metadata header that is not JSON). */
  headers?: Record<string, string>;
  /** Default gpt-4o. */
  model?: string;
  /** The one user message; default "ping". */
  content?: string;
  /** The key that calls; default the admin key (it may call the gateway too). */
  apiKey?: string;
};

/** Sends one chat completion to the gateway (`POST /v1/chat/completions`); the answer comes back unread, whatever its status. */
export function gatewayChat(chat: GatewayChat = {}): Promise<Response> {
  const { virtualKey, config, traceId, metadata, model = "gpt-4o", content = "ping", apiKey = E2E_ADMIN_API_KEY } = chat;
  return fetch(`${API}/chat/completions`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-portkey-api-key": apiKey,
      ...(virtualKey === undefined ? {} : { "x-portkey-virtual-key": virtualKey }),
      ...(config === undefined ? {} : { "x-portkey-config": config }),
      ...(traceId === undefined ? {} : { "x-portkey-trace-id": traceId }),
      ...(metadata === undefined ? {} : { "x-portkey-metadata": JSON.stringify(metadata) }),
      ...chat.headers,
    },
    body: JSON.stringify({ model, messages: [{ role: "user", content }] }),
  });
}

/**
 * The logged requests of a trace once there are `count` of them (log rows are written in batches, off
 * the request path: they show moments after the answer), newest first.
 */
export async function tracedLogs<T = { id: string }>(trace: string, count = 1): Promise<T[]> {
  let rows: T[] = [];
  await expect
    .poll(
      async () => {
        rows = (await admin<{ data: T[] }>("GET", `/logs?trace_id=${trace}`)).data;
        return rows.length;
      },
      { timeout: 15_000 },
    )
    .toBe(count);
  return rows;
}
