// Small helpers for tests that talk to the mock upstream with real fetch.

export const OPENAI_KEY = "sk-test-openai-abcd";
export const AZURE_KEY = "azure-key-0000-wxyz";
export const AZURE_VERSION = "2024-10-21";

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
