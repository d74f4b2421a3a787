// Fault rules: validation of untrusted input, matching in insertion order, `times` and `probability`.
import {
  REDIRECT_STATUSES,
  type ApiPath,
  type Fault,
  type FaultMatch,
  type FaultRule,
  type Provider,
  type RedirectStatus,
  type ScriptedRule,
} from "./types";
import { isRecord } from "../../lib/is-record";
import { NAMED_PROVIDER_IDS } from "./named-providers";

export interface MatchContext {
  provider: Provider;
  key?: string;
  deployment?: string;
  path: ApiPath;
  model?: string;
  stream: boolean;
}

interface Entry {
  id: string;
  rule: FaultRule;
  remaining?: number;
  applied: number;
}

export interface PickedRule {
  id: string;
  fault: Fault;
}

/** Small seeded PRNG (mulberry32) so `probability` runs are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class RuleBook {
  private entries: Entry[] = [];
  private nextId = 1;

  constructor(private random: () => number) {}

  setRandom(random: () => number): void {
    this.random = random;
  }

  add(input: unknown): string {
    const rule = parseFaultRule(input);
    const id = `rule_${this.nextId++}`;
    this.entries.push({ id, rule, remaining: rule.times, applied: 0 });
    return id;
  }

  clear(): void {
    this.entries = [];
  }

  list(): ScriptedRule[] {
    return this.entries.map((e) => ({ ...structuredClone(e.rule), id: e.id, remaining: e.remaining, applied: e.applied }));
  }

  /** First live matching rule that wins its probability draw; consumes one of its `times`. */
  pick(ctx: MatchContext): PickedRule | undefined {
    if (this.entries.length === 0) return undefined;
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (!matches(e.rule.match, ctx)) continue;
      const p = e.rule.probability ?? 1;
      if (p < 1 && this.random() >= p) continue;
      e.applied++;
      if (e.remaining !== undefined) {
        e.remaining--;
        if (e.remaining <= 0) this.entries.splice(i, 1);
      }
      return { id: e.id, fault: e.rule.fault };
    }
    return undefined;
  }
}

function matches(m: FaultMatch | undefined, ctx: MatchContext): boolean {
  if (!m) return true;
  return (
    (m.provider === undefined || m.provider === ctx.provider) &&
    (m.key === undefined || m.key === ctx.key) &&
    (m.deployment === undefined || m.deployment === ctx.deployment) &&
    (m.path === undefined || m.path === ctx.path) &&
    (m.model === undefined || m.model === ctx.model) &&
    (m.stream === undefined || m.stream === ctx.stream)
  );
}

// ---------- validation ----------

const PROVIDERS: readonly string[] = ["openai", "azure", "anthropic", ...NAMED_PROVIDER_IDS];
const PATHS: readonly string[] = [
  "chat/completions",
  "completions",
  "embeddings",
  "models",
  "messages",
  "messages/count_tokens",
  "responses",
  "responses/{id}",
  "responses/{id}/cancel",
  "responses/{id}/input_items",
  "responses/input_tokens",
];

export class RuleError extends Error {}

function num(o: Record<string, unknown>, field: string, min: number, required: boolean, integer = true): number | undefined {
  const v = o[field];
  if (v === undefined && !required) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw new RuleError(`${field} must be ${integer ? "an integer" : "a number"} >= ${min}`);
  }
  return v;
}

function str(o: Record<string, unknown>, field: string, allowed?: readonly string[]): string | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || (allowed && !allowed.includes(v))) {
    throw new RuleError(`match.${field} must be ${allowed ? `one of ${allowed.join(", ")}` : "a string"}`);
  }
  return v;
}

function parseMatch(v: unknown): FaultMatch | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v)) throw new RuleError("match must be an object");
  const m: FaultMatch = {};
  const provider = str(v, "provider", PROVIDERS);
  if (provider !== undefined) m.provider = provider as Provider;
  const path = str(v, "path", PATHS);
  if (path !== undefined) m.path = path as ApiPath;
  for (const f of ["key", "deployment", "model"] as const) {
    const s = str(v, f);
    if (s !== undefined) m[f] = s;
  }
  if (v.stream !== undefined) {
    if (typeof v.stream !== "boolean") throw new RuleError("match.stream must be a boolean");
    m.stream = v.stream;
  }
  return m;
}

export function parseFault(v: unknown): Fault {
  if (!isRecord(v)) throw new RuleError("fault must be an object with a kind");
  switch (v.kind) {
    case "status": {
      const status = num(v, "status", 100, true)!;
      if (status > 599) throw new RuleError("status must be 100..599");
      const f: Fault = { kind: "status", status };
      const s = num(v, "retryAfterSeconds", 0, false);
      if (s !== undefined) f.retryAfterSeconds = s;
      const ms = num(v, "retryAfterMs", 0, false);
      if (ms !== undefined) f.retryAfterMs = ms;
      if (v.body !== undefined) {
        if (!isRecord(v.body)) throw new RuleError("body must be an object");
        f.body = structuredClone(v.body);
      }
      return f;
    }
    case "delay":
      return { kind: "delay", ms: num(v, "ms", 0, true)! };
    case "stream_break_after_chunks":
      return { kind: "stream_break_after_chunks", chunks: num(v, "chunks", 0, true)! };
    case "slow_chunks":
      return { kind: "slow_chunks", delayMs: num(v, "delayMs", 0, true)! };
    case "late_end":
      return { kind: "late_end", ms: num(v, "ms", 0, true)! };
    case "redirect": {
      const f: Fault = { kind: "redirect" };
      const status = num(v, "status", 0, false);
      if (status !== undefined) {
        if (!(REDIRECT_STATUSES as readonly number[]).includes(status))
          throw new RuleError(`redirect status must be one of ${REDIRECT_STATUSES.join(", ")}`);
        f.status = status as RedirectStatus;
      }
      if (v.location !== undefined) {
        if (typeof v.location !== "string" || v.location === "") throw new RuleError("redirect location must be a non-empty string");
        f.location = v.location;
      }
      return f;
    }
    case "response_failed":
      return { kind: "response_failed", afterChunks: num(v, "afterChunks", 0, true)! };
    case "sse_error_event": {
      const f: Fault = { kind: "sse_error_event", afterChunks: num(v, "afterChunks", 0, true)! };
      if (v.errorType !== undefined) {
        if (typeof v.errorType !== "string" || !/^[a-z_]+$/.test(v.errorType))
          throw new RuleError("errorType must be an error type such as overloaded_error");
        f.errorType = v.errorType;
      }
      return f;
    }
    case "tool_use": {
      if (v.name !== undefined && (typeof v.name !== "string" || v.name === ""))
        throw new RuleError("tool_use name must be a non-empty string");
      return v.name === undefined ? { kind: "tool_use" } : { kind: "tool_use", name: v.name };
    }
    case "hang":
    case "reset":
    case "stream_break_before_first_chunk":
    case "stream_break_after_role_chunk":
    case "malformed_json":
    case "sse_garbage":
    case "echo_key":
      return { kind: v.kind };
    default:
      throw new RuleError(`unknown fault kind: ${JSON.stringify(v.kind)}`);
  }
}

/** Validates and deep-copies a rule (throws RuleError with a readable message). */
export function parseFaultRule(v: unknown): FaultRule {
  if (!isRecord(v)) throw new RuleError("rule must be an object");
  const rule: FaultRule = { fault: parseFault(v.fault) };
  const match = parseMatch(v.match);
  if (match) rule.match = match;
  const times = num(v, "times", 1, false);
  if (times !== undefined) rule.times = times;
  const p = num(v, "probability", 0, false, false);
  if (p !== undefined) {
    if (p > 1) throw new RuleError("probability must be 0..1");
    rule.probability = p;
  }
  return rule;
}
