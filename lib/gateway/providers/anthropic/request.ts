/**
 * An OpenAI chat completions body as an Anthropic Messages body (docs/GATEWAY.md §1.3). Every OpenAI
 * parameter is either translated, dropped because it does not change what the answer means (`seed`,
 * `store`, ...), or refused with a 400 that names it, so a request never silently means something
 * else on Claude than on GPT. A parameter this file does not know is refused too: a new OpenAI field
 * gets a rule before it is let through.
 */
import { isRecord } from "../../../is-record";
import { invalidRequest } from "../errors";
import type { GatewayErrorLike } from "../types";

/** `max_tokens` when the request names no limit (Anthropic requires one; OpenAI's default is the model's maximum). */
export const DEFAULT_MAX_TOKENS = 4096;

/**
 * `reasoning_effort` as an extended-thinking budget (`thinking.budget_tokens`, at least 1024 and below
 * `max_tokens`). `none` turns thinking off; `max` has no fixed budget and is refused.
 */
export const THINKING_BUDGETS = { minimal: 1024, low: 2048, medium: 8192, high: 16384, xhigh: 32768 } as const;

/** The image types Anthropic reads (`Base64ImageSource.media_type`). */
export const ANTHROPIC_IMAGE_TYPES: readonly string[] = ["image/jpeg", "image/png", "image/gif", "image/webp"];

export type TranslatedChat = {
  /** The Messages API body. */
  body: Record<string, unknown>;
  /** `stream_options.include_usage`: the translated stream ends with a usage chunk. */
  includeUsage: boolean;
};

type Block = Record<string, unknown>;
type Turn = { role: "user" | "assistant"; content: string | Block[] };

/** A refusal on the way; caught by `translateChatRequest`, which never throws. */
class Refused extends Error {
  constructor(readonly error: GatewayErrorLike) {
    super(error.message);
  }
}

function unsupported(param: string, why: string): never {
  throw new Refused(invalidRequest(`${param} ${why}`, "unsupported_parameter", param).error);
}
function invalid(param: string, why: string): never {
  throw new Refused(invalidRequest(`${param} ${why}`, "invalid_body", param).error);
}

const isAbsent = (v: unknown): boolean => v === undefined || v === null;

/**
 * What happens to each OpenAI body field. "drop": accepted and not sent (no Anthropic equivalent,
 * and the answer means the same without it). Fields with their own rule are handled below.
 */
const DROPPED = new Set([
  "seed",
  "store",
  "metadata",
  "service_tier",
  "prompt_cache_key",
  "prompt_cache_options",
  "prompt_cache_retention",
  "prediction",
]);
const TRANSLATED = new Set([
  "model",
  "messages",
  "max_tokens",
  "max_completion_tokens",
  "temperature",
  "top_p",
  "top_k",
  "stop",
  "stream",
  "stream_options",
  "user",
  "safety_identifier",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
  "reasoning_effort",
  "n",
  "logprobs",
  "top_logprobs",
  "frequency_penalty",
  "presence_penalty",
  "logit_bias",
  "modalities",
  "audio",
  "verbosity",
  "web_search_options",
  "functions",
  "function_call",
]);

/** The Anthropic body for an OpenAI chat body, or a 400 naming what cannot be translated. Never throws. */
export function translateChatRequest(chat: Record<string, unknown>): TranslatedChat | { error: GatewayErrorLike } {
  try {
    return translate(chat);
  } catch (e) {
    if (e instanceof Refused) return { error: e.error };
    throw e;
  }
}

function translate(chat: Record<string, unknown>): TranslatedChat {
  for (const key of Object.keys(chat)) {
    if (!TRANSLATED.has(key) && !DROPPED.has(key)) {
      unsupported(key, "is not an OpenAI chat parameter Detour can translate for Anthropic");
    }
  }
  refuseMeaningChanges(chat);

  if (typeof chat.model !== "string" || chat.model === "") invalid("model", "must be a non-empty string (the Anthropic model name)");
  const body: Record<string, unknown> = { model: chat.model };
  const { system, turns } = translateMessages(chat.messages);
  const thinking = thinkingBudget(chat.reasoning_effort);
  body.max_tokens = maxTokens(chat, thinking);
  if (system !== undefined) body.system = system;
  body.messages = turns;

  if (!isAbsent(chat.temperature)) {
    const t = chat.temperature;
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0) invalid("temperature", "must be a number >= 0");
    if ((t as number) > 1) unsupported("temperature", `${t} is above 1, the highest temperature Anthropic accepts`);
    body.temperature = t;
  }
  if (!isAbsent(chat.top_p)) {
    if (typeof chat.top_p !== "number" || !Number.isFinite(chat.top_p)) invalid("top_p", "must be a number");
    body.top_p = chat.top_p;
  }
  if (!isAbsent(chat.top_k)) {
    if (typeof chat.top_k !== "number" || !Number.isInteger(chat.top_k) || chat.top_k < 0) invalid("top_k", "must be an integer >= 0");
    body.top_k = chat.top_k;
  }
  const stop = stopSequences(chat.stop);
  if (stop) body.stop_sequences = stop;
  if (!isAbsent(chat.stream)) {
    if (typeof chat.stream !== "boolean") invalid("stream", "must be a boolean");
    if (chat.stream) body.stream = true;
  }
  const userId = userIdOf(chat);
  if (userId !== undefined) body.metadata = { user_id: userId };

  const tools = translateTools(chat.tools);
  if (tools) body.tools = tools;
  const choice = toolChoice(chat.tool_choice, chat.parallel_tool_calls, tools !== undefined);
  if (choice) body.tool_choice = choice;
  const format = outputFormat(chat.response_format);
  if (format) body.output_config = { format };
  if (thinking !== undefined) {
    refuseWithThinking(body);
    body.thinking = { type: "enabled", budget_tokens: thinking };
  }

  return { body, includeUsage: includeUsage(chat) };
}

/**
 * Anthropic's extended thinking does not combine with a temperature other than 1, with `top_k`,
 * or with a forced tool: refused here, naming both sides, rather than by Anthropic.
 */
function refuseWithThinking(body: Record<string, unknown>): void {
  if (body.temperature !== undefined && body.temperature !== 1) {
    unsupported("temperature", "cannot be combined with reasoning_effort on Anthropic (extended thinking needs temperature 1)");
  }
  if (body.top_k !== undefined) unsupported("top_k", "cannot be combined with reasoning_effort on Anthropic");
  const choice = body.tool_choice;
  if (isRecord(choice) && (choice.type === "any" || choice.type === "tool")) {
    unsupported("tool_choice", "cannot force a tool together with reasoning_effort on Anthropic: use auto or none");
  }
}

/** Parameters that would change the answer's meaning on Anthropic when set to anything but their neutral value. */
function refuseMeaningChanges(chat: Record<string, unknown>): void {
  if (!isAbsent(chat.n) && chat.n !== 1) unsupported("n", "must be 1: Anthropic answers with one choice");
  if (!isAbsent(chat.logprobs) && chat.logprobs !== false) unsupported("logprobs", "is not available from Anthropic");
  if (!isAbsent(chat.top_logprobs) && chat.top_logprobs !== 0) unsupported("top_logprobs", "is not available from Anthropic");
  for (const penalty of ["frequency_penalty", "presence_penalty"]) {
    if (!isAbsent(chat[penalty]) && chat[penalty] !== 0) unsupported(penalty, "has no Anthropic equivalent (only 0 is accepted)");
  }
  const bias = chat.logit_bias;
  if (!isAbsent(bias) && !(isRecord(bias) && Object.keys(bias).length === 0)) unsupported("logit_bias", "has no Anthropic equivalent");
  const modalities = chat.modalities;
  if (!isAbsent(modalities) && !(Array.isArray(modalities) && modalities.every((m) => m === "text"))) {
    unsupported("modalities", 'must be ["text"]: Anthropic answers with text only');
  }
  if (!isAbsent(chat.audio)) unsupported("audio", "is not available from Anthropic (text answers only)");
  if (!isAbsent(chat.verbosity) && chat.verbosity !== "medium")
    unsupported("verbosity", "has no Anthropic equivalent (only medium is accepted)");
  if (!isAbsent(chat.web_search_options))
    unsupported("web_search_options", "has no translation to Anthropic (its web search is a server tool)");
  if (!isAbsent(chat.functions)) unsupported("functions", "is OpenAI's deprecated form of tools: send tools instead");
  if (!isAbsent(chat.function_call)) unsupported("function_call", "is OpenAI's deprecated form of tool_choice: send tool_choice instead");
}

function includeUsage(chat: Record<string, unknown>): boolean {
  const opts = chat.stream_options;
  if (isAbsent(opts)) return false;
  if (!isRecord(opts)) invalid("stream_options", "must be an object");
  return chat.stream === true && (opts as Record<string, unknown>).include_usage === true;
}

function positiveInteger(chat: Record<string, unknown>, param: string): number | undefined {
  const v = chat[param];
  if (isAbsent(v)) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) invalid(param, "must be an integer >= 1");
  return v as number;
}

/**
 * Anthropic requires `max_tokens`; it counts thinking too, like OpenAI's `max_completion_tokens`
 * counts reasoning. A limit at or below the thinking budget gets the budget added on top, so the
 * budget stays below `max_tokens` (Anthropic's rule) and the answer keeps the room the client gave it.
 */
function maxTokens(chat: Record<string, unknown>, thinking: number | undefined): number {
  const asked = positiveInteger(chat, "max_completion_tokens") ?? positiveInteger(chat, "max_tokens");
  if (thinking === undefined) return asked ?? DEFAULT_MAX_TOKENS;
  if (asked === undefined) return thinking + DEFAULT_MAX_TOKENS;
  return asked > thinking ? asked : thinking + asked;
}

function thinkingBudget(effort: unknown): number | undefined {
  if (isAbsent(effort) || effort === "none") return undefined;
  if (typeof effort === "string" && Object.hasOwn(THINKING_BUDGETS, effort))
    return THINKING_BUDGETS[effort as keyof typeof THINKING_BUDGETS];
  if (effort === "max") unsupported("reasoning_effort", "max has no fixed thinking budget on Anthropic: use xhigh (32768 tokens) or lower");
  return invalid("reasoning_effort", "must be one of none, minimal, low, medium, high, xhigh");
}

function stopSequences(stop: unknown): string[] | undefined {
  if (isAbsent(stop)) return undefined;
  if (typeof stop === "string") return [stop];
  if (Array.isArray(stop) && stop.every((s) => typeof s === "string")) return stop.length > 0 ? stop : undefined;
  return invalid("stop", "must be a string or an array of strings");
}

/** OpenAI's end-user id (`safety_identifier`, or the older `user`) as Anthropic's `metadata.user_id`. */
function userIdOf(chat: Record<string, unknown>): string | undefined {
  for (const param of ["safety_identifier", "user"]) {
    const v = chat[param];
    if (isAbsent(v)) continue;
    if (typeof v !== "string") invalid(param, "must be a string");
    return v as string;
  }
  return undefined;
}

// ---------- messages ----------

function textOf(part: Record<string, unknown>, param: string): string {
  if (typeof part.text !== "string") invalid(`${param}.text`, "must be a string");
  return part.text as string;
}

/** Anthropic's cache breakpoint for a part: OpenAI's `prompt_cache_breakpoint`, or an Anthropic `cache_control` sent as is. */
function withCache(block: Block, part: Record<string, unknown>): Block {
  if (isRecord(part.cache_control)) block.cache_control = part.cache_control;
  else if (isRecord(part.prompt_cache_breakpoint)) block.cache_control = { type: "ephemeral" };
  return block;
}

function textBlock(part: Record<string, unknown>, param: string): Block {
  return withCache({ type: "text", text: textOf(part, param) }, part);
}

const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s;

function imageBlock(part: Record<string, unknown>, param: string): Block {
  const image = part.image_url;
  const url = isRecord(image) ? image.url : undefined;
  if (typeof url !== "string") return invalid(`${param}.image_url.url`, "must be a string");
  if (url.startsWith("data:")) {
    const m = DATA_URL.exec(url);
    if (!m || !m[2]!.split(";").includes("base64"))
      return invalid(`${param}.image_url.url`, "must be a base64 data URL (data:image/png;base64,...)");
    const mediaType = m[1]!.toLowerCase();
    if (!ANTHROPIC_IMAGE_TYPES.includes(mediaType)) {
      unsupported(
        `${param}.image_url.url`,
        `has media type ${JSON.stringify(mediaType)}; Anthropic reads ${ANTHROPIC_IMAGE_TYPES.join(", ")}`,
      );
    }
    return withCache({ type: "image", source: { type: "base64", media_type: mediaType, data: m[3] } }, part);
  }
  if (/^https?:\/\//i.test(url)) return withCache({ type: "image", source: { type: "url", url } }, part);
  return invalid(`${param}.image_url.url`, "must be an http(s) URL or a base64 data URL");
}

function userBlocks(content: unknown[], param: string): Block[] {
  return content.map((part, j) => {
    const at = `${param}[${j}]`;
    if (!isRecord(part)) return invalid(at, "must be a content part object");
    switch (part.type) {
      case "text":
        return textBlock(part, at);
      case "image_url":
        return imageBlock(part, at);
      case "input_audio":
        return unsupported(at, "is an audio part: Anthropic does not read audio");
      case "file":
        return unsupported(at, "is a file part: Detour does not translate files for Anthropic");
      default:
        return unsupported(at, `has type ${JSON.stringify(part.type)}, which Detour cannot translate for Anthropic`);
    }
  });
}

/** System, developer and tool messages hold text: a string or text parts. */
function textParts(content: unknown, param: string): Block[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  if (!Array.isArray(content)) return invalid(param, "must be a string or an array of text parts");
  return content.map((part, j) => {
    if (!isRecord(part) || part.type !== "text") return unsupported(`${param}[${j}]`, "must be a text part here");
    return textBlock(part, `${param}[${j}]`);
  });
}

/** An assistant content part as a text block (a refusal the assistant gave is what it said), or null when empty. */
function assistantText(part: unknown, at: string): Block | null {
  if (!isRecord(part)) invalid(at, "must be a content part object");
  let text: unknown;
  if (part.type === "text") text = textOf(part, at);
  else if (part.type === "refusal") text = part.refusal;
  else unsupported(at, "must be a text or refusal part");
  if (typeof text !== "string") invalid(at, "must hold a string");
  return text === "" ? null : withCache({ type: "text", text }, part);
}

/** An OpenAI tool call as a `tool_use` block: its arguments parsed, as Anthropic's input is an object. */
function toolUse(call: unknown, at: string): Block {
  if (!isRecord(call)) invalid(at, "must be an object");
  if (call.type !== "function")
    unsupported(`${at}.type`, `is ${JSON.stringify(call.type)}: only function tool calls translate to Anthropic`);
  const fn = call.function;
  if (typeof call.id !== "string" || call.id === "") invalid(`${at}.id`, "must be a non-empty string");
  if (!isRecord(fn) || typeof fn.name !== "string") invalid(`${at}.function.name`, "must be a string");
  if (typeof fn.arguments !== "string") invalid(`${at}.function.arguments`, "must be a string of JSON");
  let input: unknown;
  try {
    input = fn.arguments.trim() === "" ? {} : JSON.parse(fn.arguments);
  } catch {
    invalid(`${at}.function.arguments`, "is not valid JSON (Anthropic needs the tool input as an object)");
  }
  if (!isRecord(input)) invalid(`${at}.function.arguments`, "must be a JSON object (Anthropic's tool input is an object)");
  return { type: "tool_use", id: call.id, name: fn.name, input };
}

function assistantBlocks(m: Record<string, unknown>, param: string): Block[] {
  const blocks: Block[] = [];
  const content = m.content;
  if (typeof content === "string") {
    if (content !== "") blocks.push({ type: "text", text: content });
  } else if (Array.isArray(content)) {
    for (const [j, part] of content.entries()) {
      const block = assistantText(part, `${param}.content[${j}]`);
      if (block) blocks.push(block);
    }
  } else if (!isAbsent(content)) {
    invalid(`${param}.content`, "must be a string, an array of parts or null");
  }
  if (!isAbsent(m.function_call)) {
    unsupported(`${param}.function_call`, "is OpenAI's deprecated form of tool_calls: send tool_calls instead");
  }
  if (!isAbsent(m.audio)) unsupported(`${param}.audio`, "refers to an OpenAI audio answer, which Anthropic cannot read");
  const calls = m.tool_calls;
  if (isAbsent(calls)) return blocks;
  if (!Array.isArray(calls)) invalid(`${param}.tool_calls`, "must be an array");
  for (const [k, call] of calls.entries()) blocks.push(toolUse(call, `${param}.tool_calls[${k}]`));
  return blocks;
}

function toolResult(m: Record<string, unknown>, param: string): Block {
  if (typeof m.tool_call_id !== "string" || m.tool_call_id === "") invalid(`${param}.tool_call_id`, "must be a non-empty string");
  const content = typeof m.content === "string" ? m.content : textParts(m.content, `${param}.content`);
  return { type: "tool_result", tool_use_id: m.tool_call_id, content };
}

const asBlocks = (content: string | Block[]): Block[] =>
  typeof content === "string" ? (content === "" ? [] : [{ type: "text", text: content }]) : content;

/** A user, assistant or tool message as a turn (tool results are user turns). */
function turnOf(m: Record<string, unknown>, param: string): Turn {
  switch (m.role) {
    case "user":
      if (typeof m.content === "string") return { role: "user", content: m.content };
      if (!Array.isArray(m.content)) invalid(`${param}.content`, "must be a string or an array of content parts");
      return { role: "user", content: userBlocks(m.content, `${param}.content`) };
    case "assistant":
      return { role: "assistant", content: assistantBlocks(m, param) };
    case "tool":
      return { role: "user", content: [toolResult(m, param)] };
    case "function":
      return unsupported(`${param}.role`, "is function, OpenAI's deprecated form of tool messages: send role tool instead");
    default:
      return invalid(`${param}.role`, "must be one of system, developer, user, assistant, tool");
  }
}

/**
 * System and developer messages become `system` (wherever they stand: Anthropic has one system
 * prompt; later ones are appended in order); user, assistant and tool messages become turns, and
 * consecutive turns of one role are merged into one (Anthropic requires alternation; tool results
 * are user turns, so a run of tool messages is one user turn).
 */
function translateMessages(messages: unknown): { system: string | Block[] | undefined; turns: Turn[] } {
  if (!Array.isArray(messages)) invalid("messages", "must be an array of messages");
  if (messages.length === 0) invalid("messages", "must hold at least one message");
  const system: Block[] = [];
  let systemString: string | undefined;
  let systemCount = 0;
  const turns: Turn[] = [];
  for (const [i, m] of messages.entries()) {
    const param = `messages[${i}]`;
    if (!isRecord(m)) invalid(param, "must be a message object");
    if (m.role === "system" || m.role === "developer") {
      systemCount++;
      if (typeof m.content === "string") systemString = m.content;
      system.push(...textParts(m.content, `${param}.content`).filter((b) => b.text !== "" || b.cache_control));
    } else turns.push(turnOf(m, param));
  }
  // An assistant message with no text and no tool calls says nothing Anthropic can hold: dropped
  // before the merge, so the user turns around it become one.
  const kept = turns.filter((t) => t.role === "user" || (typeof t.content === "string" ? t.content !== "" : t.content.length > 0));
  const merged: Turn[] = [];
  for (const t of kept) {
    const last = merged.at(-1);
    if (last?.role === t.role) last.content = [...asBlocks(last.content), ...asBlocks(t.content)];
    else merged.push(t);
  }
  // One system message given as a string stays a string; anything else is a list of text blocks.
  const plain = systemCount === 1 && systemString !== undefined && system.length <= 1 && !system[0]?.cache_control;
  const sys = systemCount === 0 || system.length === 0 ? undefined : plain ? systemString : system;
  if (merged.length === 0)
    invalid("messages", "must hold a user, assistant or tool message (Anthropic needs a turn besides the system prompt)");
  return { system: sys, turns: merged };
}

// ---------- tools ----------

function translateTools(tools: unknown): Block[] | undefined {
  if (isAbsent(tools)) return undefined;
  if (!Array.isArray(tools)) return invalid("tools", "must be an array");
  if (tools.length === 0) return undefined;
  return tools.map((tool, i) => {
    const at = `tools[${i}]`;
    if (!isRecord(tool)) return invalid(at, "must be an object");
    if (tool.type !== "function")
      return unsupported(`${at}.type`, `is ${JSON.stringify(tool.type)}: only function tools translate to Anthropic`);
    const fn = tool.function;
    if (!isRecord(fn) || typeof fn.name !== "string" || fn.name === "") return invalid(`${at}.function.name`, "must be a non-empty string");
    const out: Block = { name: fn.name };
    if (!isAbsent(fn.description)) {
      if (typeof fn.description !== "string") return invalid(`${at}.function.description`, "must be a string");
      out.description = fn.description;
    }
    if (!isAbsent(fn.parameters) && !isRecord(fn.parameters)) return invalid(`${at}.function.parameters`, "must be a JSON schema object");
    // OpenAI's tool without parameters takes none; Anthropic requires an object schema.
    out.input_schema = isRecord(fn.parameters) ? fn.parameters : { type: "object", properties: {} };
    if (fn.strict === true) out.strict = true;
    return withCache(out, tool);
  });
}

function toolChoice(choice: unknown, parallel: unknown, hasTools: boolean): Block | undefined {
  if (!isAbsent(parallel) && typeof parallel !== "boolean") invalid("parallel_tool_calls", "must be a boolean");
  let out: Block | undefined;
  if (isAbsent(choice)) out = undefined;
  else if (choice === "auto") out = { type: "auto" };
  else if (choice === "none") out = { type: "none" };
  else if (choice === "required") out = { type: "any" };
  else if (isRecord(choice) && choice.type === "function") {
    const fn = choice.function;
    if (!isRecord(fn) || typeof fn.name !== "string") return invalid("tool_choice.function.name", "must be a string");
    out = { type: "tool", name: fn.name };
  } else if (isRecord(choice) && (choice.type === "allowed_tools" || choice.type === "custom")) {
    return unsupported("tool_choice", `of type ${choice.type} has no Anthropic equivalent`);
  } else return invalid("tool_choice", 'must be "auto", "none", "required" or {"type":"function","function":{"name":...}}');

  if (!hasTools) {
    if (out === undefined || out.type === "auto" || out.type === "none") return undefined;
    return invalid("tool_choice", "needs tools: there is no tool to choose");
  }
  if (parallel === false) {
    if (out === undefined) return { type: "auto", disable_parallel_tool_use: true };
    if (out.type !== "none") out.disable_parallel_tool_use = true;
  }
  return out;
}

// ---------- response_format ----------

/** `json_schema` becomes Anthropic's structured output (`output_config.format`); `json_object` has no schema to give it. */
function outputFormat(format: unknown): Block | undefined {
  if (isAbsent(format)) return undefined;
  if (!isRecord(format)) return invalid("response_format", "must be an object");
  switch (format.type) {
    case "text":
      return undefined;
    case "json_schema": {
      const spec = format.json_schema;
      if (!isRecord(spec) || !isRecord(spec.schema)) return invalid("response_format.json_schema.schema", "must be a JSON schema object");
      return { type: "json_schema", schema: spec.schema };
    }
    case "json_object":
      return unsupported(
        "response_format",
        "json_object has no Anthropic equivalent (its structured output needs a schema): send a json_schema response_format",
      );
    default:
      return invalid("response_format.type", "must be text, json_schema or json_object");
  }
}
