// Success bodies and SSE streams in OpenAI's and Azure OpenAI's exact wire formats.
import { randomUUID } from "node:crypto";
import { seededRandom } from "./rules";
import type { Provider } from "./types";

export const SYSTEM_FINGERPRINT = "fp_7c2f1a9d3e";
export const DONE_FRAME = "data: [DONE]\n\n";

const SAFE = { filtered: false, severity: "safe" };
/** Azure's per-choice content_filter_results (everything "safe"). */
export const CONTENT_FILTER_RESULTS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
const PROMPT_FILTER = { ...CONTENT_FILTER_RESULTS, jailbreak: { filtered: false, detected: false } };

function promptFilterResults(count: number) {
  const out = [];
  for (let i = 0; i < count; i++) out.push({ prompt_index: i, content_filter_results: PROMPT_FILTER });
  return out;
}

/** Deterministic token estimate: ceil(chars / 4). */
export const tokenCount = (chars: number): number => Math.ceil(chars / 4);

export function randomId(length: number): string {
  return randomUUID().replaceAll("-", "").slice(0, length);
}

/** What the mock "generated" for a request, before serialisation. */
export interface Generation {
  /** One text per choice (completions: one per prompt). */
  texts: string[];
  promptTokens: number;
  /** "length" when the request's output limit cut the texts (OpenAI's `finish_reason`); "stop" otherwise. */
  finish?: "stop" | "length";
}

export interface Envelope {
  provider: Provider;
  /** `model` field of the answer. */
  model: string;
  created: number;
  includeUsage: boolean;
  /**
   * OpenAI chat streams: every chunk ends with an `obfuscation` string (random padding), as the API
   * does unless `stream_options.include_obfuscation` is false. Azure does not send it.
   */
  includeObfuscation: boolean;
  /** Azure only: first stream chunk carries prompt_filter_results with empty choices. */
  promptFilterChunk: boolean;
}

/**
 * A stream as SSE frames: `head` (what comes before any text: Azure's prompt_filter_results event,
 * the chat role chunk), `content` (text deltas), `tail` (finish, usage, [DONE]).
 */
export interface StreamPlan {
  head: string[];
  content: string[];
  tail: string[];
}

const frame = (o: unknown): string => `data: ${JSON.stringify(o)}\n\n`;

function firstChars(s: string, n: number): string {
  let out = s.length > n ? s.slice(0, n) : s;
  const last = out.charCodeAt(out.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1); // no lone high surrogate
  return out;
}

export function answerText(provider: Provider, key: string, prompt: string): string {
  return `Mock answer from ${provider} (key ...${key.slice(-4)}) to: ${firstChars(prompt, 40)}`;
}

/** Splits text into ~5 pieces (never inside a surrogate pair). */
export function splitPieces(text: string, n = 5): string[] {
  const chars = Array.from(text);
  const size = Math.max(1, Math.ceil(chars.length / n));
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(""));
  return out;
}

function chatUsage(prompt: number, completion: number) {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function plainUsage(prompt: number, completion: number) {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function completionTokens(gen: Generation): number {
  let n = 0;
  for (const t of gen.texts) n += tokenCount(t.length);
  return n;
}

const OBFUSCATION_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Random padding like OpenAI's `obfuscation` field (0 to 15 characters). */
export function obfuscation(): string {
  let out = "";
  const n = Math.floor(Math.random() * 16);
  for (let i = 0; i < n; i++) out += OBFUSCATION_CHARS[Math.floor(Math.random() * OBFUSCATION_CHARS.length)];
  return out;
}

function azurePromptChunk(prompts: number): string {
  return frame({ choices: [], created: 0, id: "", model: "", object: "", prompt_filter_results: promptFilterResults(prompts) });
}

// ---------- chat/completions ----------

export function chatCompletionJson(env: Envelope, gen: Generation): string {
  const azure = env.provider === "azure";
  const choice: Record<string, unknown> = {
    index: 0,
    message: { role: "assistant", content: gen.texts[0] ?? "", refusal: null, annotations: [] },
    logprobs: null,
    finish_reason: gen.finish ?? "stop",
  };
  if (azure) choice.content_filter_results = CONTENT_FILTER_RESULTS;
  const body: Record<string, unknown> = {
    id: `chatcmpl-${randomId(29)}`,
    object: "chat.completion",
    created: env.created,
    model: env.model,
    choices: [choice],
    usage: chatUsage(gen.promptTokens, completionTokens(gen)),
  };
  if (azure) body.prompt_filter_results = promptFilterResults(1);
  else body.service_tier = "default";
  body.system_fingerprint = SYSTEM_FINGERPRINT;
  return JSON.stringify(body);
}

/**
 * OpenAI: `{id, object, created, model, service_tier, system_fingerprint, choices, usage?, obfuscation?}`,
 * opening with the role chunk `delta: {role: "assistant", content: "", refusal: null}`. Azure: the
 * prompt_filter_results event (`choices: []`), then the same chunks with per-choice
 * `content_filter_results` (`{}` on the role and finish chunks) and no service_tier or obfuscation.
 */
export function chatStream(env: Envelope, gen: Generation): StreamPlan {
  const azure = env.provider === "azure";
  const id = `chatcmpl-${randomId(29)}`;
  const chunk = (choices: unknown[], usage: unknown = null): string => {
    const o: Record<string, unknown> = { id, object: "chat.completion.chunk", created: env.created, model: env.model };
    if (!azure) o.service_tier = "default";
    o.system_fingerprint = SYSTEM_FINGERPRINT;
    o.choices = choices;
    if (env.includeUsage) o.usage = usage;
    if (!azure && env.includeObfuscation) o.obfuscation = obfuscation();
    return frame(o);
  };
  const choice = (delta: object, finish: string | null, filters: object) =>
    azure
      ? { index: 0, delta, logprobs: null, finish_reason: finish, content_filter_results: filters }
      : { index: 0, delta, logprobs: null, finish_reason: finish };

  const head: string[] = [];
  if (azure && env.promptFilterChunk) head.push(azurePromptChunk(1));
  head.push(chunk([choice({ role: "assistant", content: "", refusal: null }, null, {})]));
  const content = splitPieces(gen.texts[0] ?? "").map((piece) => chunk([choice({ content: piece }, null, CONTENT_FILTER_RESULTS)]));
  const tail = [chunk([choice({}, gen.finish ?? "stop", {})])];
  if (env.includeUsage) tail.push(chunk([], chatUsage(gen.promptTokens, completionTokens(gen))));
  tail.push(DONE_FRAME);
  return { head, content, tail };
}

// ---------- completions (legacy) ----------

export function completionJson(env: Envelope, gen: Generation): string {
  const azure = env.provider === "azure";
  const body: Record<string, unknown> = {
    id: `cmpl-${randomId(29)}`,
    object: "text_completion",
    created: env.created,
    model: env.model,
    choices: gen.texts.map((text, index) =>
      azure
        ? { text, index, logprobs: null, finish_reason: gen.finish ?? "stop", content_filter_results: CONTENT_FILTER_RESULTS }
        : { text, index, logprobs: null, finish_reason: gen.finish ?? "stop" },
    ),
    usage: plainUsage(gen.promptTokens, completionTokens(gen)),
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
  if (azure) body.prompt_filter_results = promptFilterResults(gen.texts.length);
  return JSON.stringify(body);
}

export function completionStream(env: Envelope, gen: Generation): StreamPlan {
  const azure = env.provider === "azure";
  const id = `cmpl-${randomId(29)}`;
  const chunk = (choices: unknown[], usage: unknown = null): string => {
    const o: Record<string, unknown> = { id, object: "text_completion", created: env.created, choices, model: env.model };
    o.system_fingerprint = SYSTEM_FINGERPRINT;
    if (env.includeUsage) o.usage = usage;
    return frame(o);
  };
  const choice = (text: string, index: number, finish: string | null) =>
    azure
      ? { text, index, logprobs: null, finish_reason: finish, content_filter_results: finish ? {} : CONTENT_FILTER_RESULTS }
      : { text, index, logprobs: null, finish_reason: finish };

  const head = azure && env.promptFilterChunk ? [azurePromptChunk(gen.texts.length)] : [];
  const content: string[] = [];
  gen.texts.forEach((text, i) => {
    for (const piece of splitPieces(text)) content.push(chunk([choice(piece, i, null)]));
  });
  const tail = gen.texts.map((_, i) => chunk([choice("", i, gen.finish ?? "stop")]));
  if (env.includeUsage) tail.push(chunk([], plainUsage(gen.promptTokens, completionTokens(gen))));
  tail.push(DONE_FRAME);
  return { head, content, tail };
}

// ---------- embeddings ----------

/** FNV-1a 32-bit hash, the seed of an input's deterministic vector. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Deterministic unit-length vector for an input. */
export function embeddingVector(input: string, dims: number): number[] {
  const rnd = seededRandom(fnv1a(input));
  const v: number[] = [];
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    const x = rnd() * 2 - 1;
    v.push(x);
    norm += x * x;
  }
  norm = Math.sqrt(norm) || 1;
  return v.map((x) => Math.round((x / norm) * 1e8) / 1e8);
}

export function embeddingsJson(model: string, inputs: string[], promptTokens: number, dims: number, base64: boolean): string {
  return JSON.stringify({
    object: "list",
    data: inputs.map((input, index) => {
      const vec = embeddingVector(input, dims);
      const embedding = base64 ? Buffer.from(new Float32Array(vec).buffer).toString("base64") : vec;
      return { object: "embedding", index, embedding };
    }),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}

// ---------- models ----------

export const MODELS_JSON = JSON.stringify({
  object: "list",
  data: [
    ["gpt-4o", 1715367049, "system"],
    ["gpt-4o-mini", 1721172741, "system"],
    ["gpt-4.1", 1744316542, "system"],
    ["gpt-4.1-mini", 1744318173, "system"],
    ["gpt-3.5-turbo-instruct", 1692901427, "system"],
    ["text-embedding-3-small", 1705948997, "system"],
    ["text-embedding-3-large", 1705953180, "system"],
  ].map(([id, created, owned_by]) => ({ id, object: "model", created, owned_by })),
});
