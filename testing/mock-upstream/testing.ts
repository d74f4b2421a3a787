// Small helpers for tests that talk to the mock upstream with real fetch.

export const OPENAI_KEY = "sk-test-openai-abcd";
export const AZURE_KEY = "azure-key-0000-wxyz";
export const AZURE_VERSION = "2024-10-21";
export const ANTHROPIC_KEY = "sk-ant-test-wxyz";
export const ANTHROPIC_VERSION = "2023-06-01";

export function openai(
  base: string,
  path: string,
  body: unknown,
  key: string | null = OPENAI_KEY,
  init: RequestInit = {},
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  return fetch(`${base}/v1/${path}`, { method: "POST", headers, body: JSON.stringify(body), ...init });
}

export function azure(
  base: string,
  deployment: string,
  path: string,
  body: unknown,
  key: string | null = AZURE_KEY,
  init: RequestInit = {},
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers["api-key"] = key;
  const url = `${base}/openai/deployments/${deployment}/${path}?api-version=${AZURE_VERSION}`;
  return fetch(url, { method: "POST", headers, body: JSON.stringify(body), ...init });
}

/** Azure's v1 API: `POST /openai/v1/<path>`, the deployment in the body's model; `bearer` sends the key as `Authorization: Bearer`. */
export function azureV1(
  base: string,
  path: string,
  body: unknown,
  opts: { key?: string | null; bearer?: boolean; query?: string } = {},
): Promise<Response> {
  const key = opts.key === undefined ? AZURE_KEY : opts.key;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) {
    if (opts.bearer) headers.authorization = `Bearer ${key}`;
    else headers["api-key"] = key;
  }
  return fetch(`${base}/openai/v1/${path}${opts.query ?? ""}`, { method: "POST", headers, body: JSON.stringify(body) });
}

/** POST /v1/<path> the Anthropic way: x-api-key and anthropic-version (null leaves a header out). */
export function anthropic(
  base: string,
  path: string,
  body: unknown,
  key: string | null = ANTHROPIC_KEY,
  headers: Record<string, string | null> = {},
): Promise<Response> {
  const h: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) h["x-api-key"] = key;
  const all = { "anthropic-version": ANTHROPIC_VERSION, ...headers };
  for (const [name, value] of Object.entries(all)) if (value !== null) h[name] = value;
  return fetch(`${base}/v1/${path}`, { method: "POST", headers: h, body: typeof body === "string" ? body : JSON.stringify(body) });
}

/** An Anthropic Messages body with one user message. */
export const messagesBody = (content: string, extra: Record<string, unknown> = {}) => ({
  model: "claude-sonnet-4-5",
  max_tokens: 1024,
  messages: [{ role: "user", content }],
  ...extra,
});

/** The (event, parsed data) pairs of an Anthropic SSE text, in order. */
export function sseEvents(text: string): [string, Record<string, any>][] {
  return text
    .split("\n\n")
    .filter(Boolean)
    .map((block) => {
      const name = /^event: (.*)$/m.exec(block)?.[1] ?? "";
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? "null";
      return [name, JSON.parse(data) as Record<string, any>];
    });
}

export const chatBody = (content: string, extra: Record<string, unknown> = {}) => ({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content }],
  ...extra,
});

export interface ReadResult {
  text: string;
  /** Arrival time (performance.now) of each network chunk. */
  arrivals: number[];
  error?: unknown;
}

/** Reads a body to the end, keeping what arrived before an error. */
export async function readBody(res: Response): Promise<ReadResult> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const out: ReadResult = { text: "", arrivals: [] };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return out;
      out.arrivals.push(performance.now());
      out.text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    out.error = error;
    return out;
  }
}

/** The `data:` payloads of an SSE text, in order. */
export function sseData(text: string): string[] {
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("data: "))
    .map((block) => block.slice(6));
}

/** Parsed JSON chunks of an SSE text (everything but the [DONE] sentinel). */
export function sseJson(text: string): Array<Record<string, any>> {
  return sseData(text)
    .filter((d) => d !== "[DONE]")
    .map((d) => JSON.parse(d) as Record<string, any>);
}

/** Error code of a failed fetch (undici puts it on `cause`). */
export function causeCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: string } } | undefined)?.cause;
  return cause?.code;
}
