// OpenAI's Responses API wire format (as its SDK types it): input items, the response object,
// output items and the SSE events of a stream, for OpenAI and Azure OpenAI.
import { randomBytes } from "node:crypto";
import { sampleInput } from "./anthropic-format";
import { obfuscation, splitPieces, tokenCount } from "./formats";
import { isRecord } from "../../lib/is-record";

export type Json = Record<string, unknown>;

/** OpenAI's ids: a prefix and 48 hex digits (`resp_`, `msg_`, `rs_`, `fc_`, `fco_`). */
export function responsesId(prefix: string): string {
  return `${prefix}${randomBytes(24).toString("hex")}`;
}

/** `call_` + 24 letters and digits, like the API's function call ids. */
function callId(): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let out = "call_";
  for (const b of randomBytes(24)) out += chars[b % chars.length];
  return out;
}

// ---------- input ----------

/** A request's input as the API stores it (every item with an id), its size and its last user text. */
export interface ParsedInput {
  items: Json[];
  chars: number;
  lastUserText: string;
}

const textOf = (parts: Json[]): string =>
  parts
    .filter((p) => (p.type === "input_text" || p.type === "output_text") && typeof p.text === "string")
    .map((p) => p.text)
    .join("");

/** Message content as parts: a string is one `input_text` part (`output_text` for the assistant). */
function contentParts(content: unknown, role: unknown): Json[] {
  if (typeof content === "string") {
    return [role === "assistant" ? { type: "output_text", text: content, annotations: [] } : { type: "input_text", text: content }];
  }
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

/**
 * `input` (a string or a list of items) as stored items: messages (`msg_`), function calls (`fc_`)
 * and their outputs (`fco_`) get an id when they have none. Characters count text parts, tool
 * outputs and call arguments, as the chat mock counts message text (images and files: none).
 */
export function parseInput(input: unknown): ParsedInput {
  const raw = typeof input === "string" ? [{ role: "user", content: input }] : Array.isArray(input) ? input.filter(isRecord) : [];
  const out: ParsedInput = { items: [], chars: 0, lastUserText: "" };
  for (const item of raw) {
    const type = typeof item.type === "string" ? item.type : "message";
    const id = typeof item.id === "string" ? item.id : undefined;
    if (type === "message") {
      const role = typeof item.role === "string" ? item.role : "user";
      const content = contentParts(item.content, role);
      const text = textOf(content);
      out.chars += text.length;
      if (role === "user") out.lastUserText = text;
      out.items.push({ id: id ?? responsesId("msg_"), type: "message", status: "completed", content, role });
    } else if (type === "function_call_output") {
      const output = item.output;
      out.chars += typeof output === "string" ? output.length : textOf(contentParts(output, "user")).length;
      out.items.push({ id: id ?? responsesId("fco_"), type, call_id: item.call_id, output, status: "completed" });
    } else if (type === "function_call") {
      out.chars += String(item.name ?? "").length + String(item.arguments ?? "").length;
      out.items.push({ ...item, id: id ?? responsesId("fc_"), status: "completed" });
    } else {
      out.items.push(id ? item : { id: responsesId(`${type.split("_")[0]}_`), ...item });
    }
  }
  return out;
}

/** The characters of `instructions` (a string, or items like `input`). */
export function instructionsChars(instructions: unknown): number {
  if (typeof instructions === "string") return instructions.length;
  return Array.isArray(instructions) ? parseInput(instructions).chars : 0;
}

// ---------- generation ----------

export interface ReasoningOutput {
  id: string;
  /** The summary text when the request asked for one (`reasoning.summary`), else none. */
  summary?: string;
  tokens: number;
}

export interface FunctionCallOutput {
  id: string;
  callId: string;
  name: string;
  arguments: string;
}

/** What the mock "generated": an optional reasoning item, then a message or a function call. */
export interface ResponsesGeneration {
  reasoning?: ReasoningOutput;
  message?: { id: string; text: string };
  call?: FunctionCallOutput;
  /** `max_output_tokens` cut the answer short. */
  incomplete: boolean;
  outputTokens: number;
}

/** The function tool a request forces: `tool_choice` `"required"` (the first) or `{type: "function", name}`, or a `tool_use` rule's. */
function forcedTool(body: Json, ruleTool: string | true | undefined): Json | undefined {
  const tools = Array.isArray(body.tools) ? body.tools.filter((t) => isRecord(t) && t.type === "function") : [];
  if (tools.length === 0) return undefined;
  const choice = body.tool_choice;
  const wanted = typeof ruleTool === "string" ? ruleTool : isRecord(choice) && choice.type === "function" ? choice.name : undefined;
  if (wanted !== undefined) return tools.find((t) => t.name === wanted);
  return ruleTool === true || choice === "required" ? tools[0] : undefined;
}

/**
 * The deterministic answer: with `reasoning`, a reasoning item first (`reasoning_tokens` > 0); then
 * a function call when a tool is forced, else the text, cut to what `max_output_tokens` leaves
 * after the reasoning (then `incomplete`; nothing left: no message at all).
 */
export function responsesGeneration(body: Json, text: string, ruleTool?: string | true): ResponsesGeneration {
  const gen: ResponsesGeneration = { incomplete: false, outputTokens: 0 };
  if (isRecord(body.reasoning)) {
    const thought = `Mock reasoning about: ${text.slice(text.indexOf(" to: ") + 5)}`;
    const tokens = tokenCount(thought.length);
    gen.reasoning = { id: responsesId("rs_"), tokens };
    if (typeof body.reasoning.summary === "string") gen.reasoning.summary = thought;
    gen.outputTokens += tokens;
  }
  const tool = forcedTool(body, ruleTool);
  if (tool) {
    const args = JSON.stringify(sampleInput(tool.parameters));
    gen.call = { id: responsesId("fc_"), callId: callId(), name: String(tool.name), arguments: args };
    gen.outputTokens += tokenCount(args.length);
    return gen;
  }
  const limit = typeof body.max_output_tokens === "number" ? body.max_output_tokens : undefined;
  let answer = text;
  if (limit !== undefined && gen.outputTokens + tokenCount(answer.length) > limit) {
    gen.incomplete = true;
    answer = Array.from(answer)
      .slice(0, Math.max(0, limit - gen.outputTokens) * 4)
      .join("");
  }
  if (answer !== "") gen.message = { id: responsesId("msg_"), text: answer };
  gen.outputTokens += tokenCount(answer.length);
  return gen;
}

// ---------- the response object ----------

export type ResponseStatus = "queued" | "in_progress" | "completed" | "incomplete" | "failed" | "cancelled";

/** What a response echoes from its request, and who it is. */
export interface ResponseEnvelope {
  id: string;
  createdAt: number;
  /** The model (Azure: the deployment's, else the body's). */
  model: string;
  body: Json;
  azure: boolean;
}

export interface ResponseUsage {
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  reasoningTokens: number;
}

const orNull = (v: unknown): unknown => (v === undefined ? null : v);

/**
 * A `response` object in the API's field order. Before it finishes (`queued`, `in_progress`) and
 * when cancelled: `output: []`, `usage: null`. `completed_at` only once completed.
 */
export function responseObject(
  env: ResponseEnvelope,
  status: ResponseStatus,
  output: Json[],
  usage: ResponseUsage | null,
  error: { code: string; message: string } | null = null,
): Json {
  const { body } = env;
  const reasoning = isRecord(body.reasoning) ? body.reasoning : {};
  const text = isRecord(body.text) ? body.text : {};
  const o: Json = {
    id: env.id,
    object: "response",
    created_at: env.createdAt,
    status,
    background: body.background === true,
  };
  if (status === "completed") o.completed_at = Math.floor(Date.now() / 1000);
  if (body.conversation !== undefined && body.conversation !== null) o.conversation = { id: conversationId(body.conversation) };
  Object.assign(o, {
    error,
    incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: orNull(body.instructions),
    max_output_tokens: orNull(body.max_output_tokens),
    model: env.model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: orNull(body.previous_response_id),
    prompt_cache_key: orNull(body.prompt_cache_key),
  });
  if (body.prompt_cache_retention !== undefined) o.prompt_cache_retention = body.prompt_cache_retention;
  o.reasoning = { effort: orNull(reasoning.effort), summary: orNull(reasoning.summary) };
  o.safety_identifier = orNull(body.safety_identifier);
  if (!env.azure) o.service_tier = body.service_tier === "flex" || body.service_tier === "priority" ? body.service_tier : "default";
  Object.assign(o, {
    store: body.store !== false,
    temperature: body.temperature ?? 1,
    text: { format: { type: "text" }, verbosity: "medium", ...text },
    tool_choice: body.tool_choice ?? "auto",
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_logprobs: body.top_logprobs ?? 0,
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? "disabled",
    usage: usage && usageJson(usage),
    user: orNull(body.user),
    metadata: isRecord(body.metadata) ? body.metadata : {},
  });
  return o;
}

/** `conversation` as sent: an id or `{id}`. */
export function conversationId(v: unknown): string | undefined {
  if (typeof v === "string" && v !== "") return v;
  return isRecord(v) && typeof v.id === "string" && v.id !== "" ? v.id : undefined;
}

function usageJson(u: ResponseUsage): Json {
  return {
    input_tokens: u.inputTokens,
    input_tokens_details: { cache_write_tokens: 0, cached_tokens: u.cachedTokens },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens },
    total_tokens: u.inputTokens + u.outputTokens,
  };
}

// ---------- output items ----------

const outputText = (text: string): Json => ({ type: "output_text", annotations: [], logprobs: [], text });

function reasoningItem(r: ReasoningOutput, done: boolean): Json {
  return { id: r.id, type: "reasoning", summary: done && r.summary !== undefined ? [{ type: "summary_text", text: r.summary }] : [] };
}

type ItemState = "in_progress" | "completed" | "incomplete";

function messageItem(m: { id: string; text: string }, status: ItemState): Json {
  return { id: m.id, type: "message", status, content: status === "in_progress" ? [] : [outputText(m.text)], role: "assistant" };
}

function callItem(c: FunctionCallOutput, status: ItemState): Json {
  return {
    id: c.id,
    type: "function_call",
    status,
    arguments: status === "in_progress" ? "" : c.arguments,
    call_id: c.callId,
    name: c.name,
  };
}

/** The finished output items of a generation. */
export function outputItems(gen: ResponsesGeneration): Json[] {
  const items: Json[] = [];
  if (gen.reasoning) items.push(reasoningItem(gen.reasoning, true));
  if (gen.call) items.push(callItem(gen.call, "completed"));
  if (gen.message) items.push(messageItem(gen.message, gen.incomplete ? "incomplete" : "completed"));
  return items;
}

// ---------- streams ----------

/** Where an event sits for the break faults: the opening, a delta ("content chunk"), or the close. */
export type EventPart = "head" | "content" | "tail";

export interface StreamEvent {
  sequenceNumber: number;
  part: EventPart;
  frame: string;
}

/** `event: <type>` and `data: {"type", "sequence_number", ...fields}`. */
export function eventFrame(type: string, sequenceNumber: number, fields: Json): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequenceNumber, ...fields })}\n\n`;
}

/** The response's states as a stream shows them: at the start (queued or in progress) and at the end. */
export interface StreamStates {
  /** `response.created` (and, in the background, `response.queued`) show this one. */
  opening: Json;
  /** `response.in_progress` shows this one. */
  inProgress: Json;
  /** The terminal event's response (`completed` or `incomplete`). */
  final: Json;
}

/**
 * Every event of a stream in OpenAI's order, numbered from 0: `response.created`
 * (`response.queued` in the background), `response.in_progress`; a reasoning item's events;
 * then per item `response.output_item.added`, its content part or summary part, its deltas, their
 * `.done` events, `response.output_item.done`; finally `response.completed` (or
 * `response.incomplete`). Delta events carry `obfuscation` when `withObfuscation`.
 */
export function streamEvents(gen: ResponsesGeneration, states: StreamStates, withObfuscation: boolean): StreamEvent[] {
  const events: StreamEvent[] = [];
  const push = (part: EventPart, type: string, fields: Json): void => {
    const sequenceNumber = events.length;
    events.push({ sequenceNumber, part, frame: eventFrame(type, sequenceNumber, fields) });
  };
  const delta = (fields: Json): Json => (withObfuscation ? { ...fields, obfuscation: obfuscation() } : fields);

  push("head", "response.created", { response: states.opening });
  if (states.opening.status === "queued") push("head", "response.queued", { response: states.opening });
  push("head", "response.in_progress", { response: states.inProgress });
  let outputIndex = 0;
  if (gen.reasoning) {
    const r = gen.reasoning;
    const at = { item_id: r.id, output_index: outputIndex };
    push("head", "response.output_item.added", { output_index: outputIndex, item: reasoningItem(r, false) });
    if (r.summary !== undefined) {
      push("head", "response.reasoning_summary_part.added", { ...at, summary_index: 0, part: { type: "summary_text", text: "" } });
      for (const piece of splitPieces(r.summary)) {
        push("head", "response.reasoning_summary_text.delta", delta({ ...at, summary_index: 0, delta: piece }));
      }
      push("head", "response.reasoning_summary_text.done", { ...at, summary_index: 0, text: r.summary });
      push("head", "response.reasoning_summary_part.done", { ...at, summary_index: 0, part: { type: "summary_text", text: r.summary } });
    }
    push("head", "response.output_item.done", { output_index: outputIndex, item: reasoningItem(r, true) });
    outputIndex++;
  }
  if (gen.call) {
    const c = gen.call;
    const at = { item_id: c.id, output_index: outputIndex };
    push("head", "response.output_item.added", { output_index: outputIndex, item: callItem(c, "in_progress") });
    for (const piece of splitPieces(c.arguments)) push("content", "response.function_call_arguments.delta", delta({ ...at, delta: piece }));
    push("tail", "response.function_call_arguments.done", { ...at, name: c.name, arguments: c.arguments });
    push("tail", "response.output_item.done", { output_index: outputIndex, item: callItem(c, "completed") });
  }
  if (gen.message) {
    const m = gen.message;
    const at = { item_id: m.id, output_index: outputIndex, content_index: 0 };
    push("head", "response.output_item.added", { output_index: outputIndex, item: messageItem(m, "in_progress") });
    push("head", "response.content_part.added", { ...at, part: outputText("") });
    for (const piece of splitPieces(m.text)) push("content", "response.output_text.delta", delta({ ...at, delta: piece, logprobs: [] }));
    push("tail", "response.output_text.done", { ...at, text: m.text, logprobs: [] });
    push("tail", "response.content_part.done", { ...at, part: outputText(m.text) });
    push("tail", "response.output_item.done", {
      output_index: outputIndex,
      item: messageItem(m, gen.incomplete ? "incomplete" : "completed"),
    });
  }
  push("tail", states.final.status === "incomplete" ? "response.incomplete" : "response.completed", { response: states.final });
  return events;
}

/** The `error` event of a stream that breaks off. */
export function errorEventFrame(sequenceNumber: number, code: string, message: string): string {
  return eventFrame("error", sequenceNumber, { code, message, param: null });
}

// ---------- other answers ----------

export function deletedJson(id: string): string {
  return JSON.stringify({ id, object: "response.deleted", deleted: true });
}

export function inputTokensJson(inputTokens: number): string {
  return JSON.stringify({ object: "response.input_tokens", input_tokens: inputTokens });
}

/** `GET .../input_items`: OpenAI's cursor page (`order` desc by default, `limit` 1-100 default 20, `after` an item id). */
export function inputItemsJson(items: Json[], query: URLSearchParams | undefined): string {
  const ordered = query?.get("order") === "asc" ? items : [...items].reverse();
  const after = query?.get("after");
  const start = after ? ordered.findIndex((i) => i.id === after) + 1 : 0;
  const limit = Math.min(100, Math.max(1, Number.parseInt(query?.get("limit") ?? "20", 10) || 20));
  const data = ordered.slice(start, start + limit);
  return JSON.stringify({
    object: "list",
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: start + limit < ordered.length,
  });
}
