/**
 * The config builder's words for a config: what each target is for ("Primary", "Fallback 1",
 * "40% of traffic", "Condition 1"), which provider it reaches (through its virtual key), and a
 * one-line summary of the whole routing ("OpenAI -> Azure OpenAI on 429, 503 · retry 2× ·
 * timeout 10 s"). Pure and browser-safe: read from the draft as it is (it may be invalid: what
 * cannot be read is said, never guessed), with the workspace's virtual keys (slug -> provider).
 */
import { providerLabel } from "../gateway/providers/catalog";
import { DEFAULT_TARGET_WEIGHT, STRATEGY_MODES, type StrategyMode } from "../gateway/config/schema";
import { isRecord } from "../is-record";

/** The workspace's active virtual keys: slug -> provider id. */
export type KeyProviders = ReadonlyMap<string, string>;

/** Where a target sends its requests, as its badge says it. */
export type TargetSource =
  | { kind: "provider"; provider: string; label: string; via: "virtual_key" | "provider" }
  /** A `virtual_key` that is not an active key of the workspace. */
  | { kind: "unknown_key"; slug: string }
  /** A nested strategy: its mode and how many targets it holds. */
  | { kind: "strategy"; mode: StrategyMode | null; targets: number }
  /** Neither a virtual key nor a provider: the request's own headers must say. */
  | { kind: "none" };

function modeOf(node: Record<string, unknown>): StrategyMode | "unknown" | null {
  if (isRecord(node.strategy)) {
    const mode = node.strategy.mode;
    return typeof mode === "string" && (STRATEGY_MODES as readonly string[]).includes(mode) ? (mode as StrategyMode) : "unknown";
  }
  return Array.isArray(node.targets) ? "single" : null;
}

function targetsOf(node: Record<string, unknown>): unknown[] {
  return Array.isArray(node.targets) ? node.targets : [];
}

/** A loadbalance node's `strategy.by` when it draws by figures (latency, in_flight), else null (by weight). */
function balanceBy(node: Record<string, unknown>): "latency" | "in_flight" | null {
  const by = isRecord(node.strategy) ? node.strategy.by : undefined;
  return by === "latency" || by === "in_flight" ? by : null;
}

function weightOf(target: unknown): number {
  const w = isRecord(target) ? target.weight : undefined;
  return typeof w === "number" && Number.isFinite(w) && w >= 0 ? w : DEFAULT_TARGET_WEIGHT;
}

/**
 * What each of a node's targets is for, in order (one label per target). Fallback: "Primary",
 * "Fallback 1"...; single: "Primary" then "Unused"; load balance: each one's share of traffic;
 * conditional: the conditions that route to it, "Default", or "Not routed to". A mode Detour does
 * not have gives no role (""): the builder shows the mode's error instead of inventing one.
 */
export function targetRoles(node: unknown): string[] {
  if (!isRecord(node)) return [];
  const targets = targetsOf(node);
  const mode = modeOf(node);
  switch (mode) {
    case "fallback":
      return targets.map((_, i) => (i === 0 ? "Primary" : `Fallback ${i}`));
    case "single":
      return targets.map((_, i) => (i === 0 ? "Primary" : "Unused (single mode serves the first)"));
    case "loadbalance": {
      const weights = targets.map(weightOf);
      const total = weights.reduce((a, b) => a + b, 0);
      const by = balanceBy(node);
      if (by) {
        const first = by === "latency" ? "Fastest first" : "Least busy first";
        return weights.map((w) => (w === 0 || total === 0 ? "Never drawn (weight 0)" : `${first}; ${formatShare(w / total)} of ties`));
      }
      return weights.map((w) => (w === 0 || total === 0 ? "Never drawn (weight 0)" : `${formatShare(w / total)} of traffic`));
    }
    case "conditional": {
      const strategy = isRecord(node.strategy) ? node.strategy : {};
      const conditions = Array.isArray(strategy.conditions) ? strategy.conditions : [];
      return targets.map((t) => {
        const name = isRecord(t) && typeof t.name === "string" ? t.name : null;
        const routes = conditions.flatMap((c, i) => (name !== null && isRecord(c) && c.then === name ? [i + 1] : []));
        const isDefault = name !== null && strategy.default === name;
        if (routes.length)
          return `${routes.length === 1 ? "Condition" : "Conditions"} ${routes.join(", ")}${isDefault ? " · Default" : ""}`;
        if (isDefault) return "Default";
        return name === null ? "Not routed to (no name)" : "Not routed to";
      });
    }
    default:
      return targets.map(() => "");
  }
}

function formatShare(share: number): string {
  const pct = share * 100;
  return `${pct >= 10 || Number.isInteger(pct) ? Math.round(pct) : pct.toFixed(1)}%`;
}

/** Where a target sends its requests (a virtual key is read as its provider). */
export function targetSource(node: unknown, keys: KeyProviders): TargetSource {
  if (!isRecord(node)) return { kind: "none" };
  const mode = modeOf(node);
  if (mode !== null) return { kind: "strategy", mode: mode === "unknown" ? null : mode, targets: targetsOf(node).length };
  if (typeof node.virtual_key === "string" && node.virtual_key !== "") {
    const provider = keys.get(node.virtual_key);
    return provider === undefined
      ? { kind: "unknown_key", slug: node.virtual_key }
      : { kind: "provider", provider, label: providerLabel(provider), via: "virtual_key" };
  }
  if (typeof node.provider === "string" && node.provider !== "")
    return { kind: "provider", provider: node.provider, label: providerLabel(node.provider), via: "provider" };
  return { kind: "none" };
}

const MODE_WORDS: Record<StrategyMode, string> = {
  single: "single",
  fallback: "fallback",
  loadbalance: "load balance",
  conditional: "conditional",
};

/** The words of a target's badge: its provider, "unknown key …", "fallback of 2", or "no credentials". */
export function sourceBadge(source: TargetSource): string {
  switch (source.kind) {
    case "provider":
      return source.label;
    case "unknown_key":
      return `unknown key ${source.slug}`;
    case "strategy":
      return `${source.mode ? MODE_WORDS[source.mode] : "invalid mode"} of ${source.targets}`;
    case "none":
      return "credentials from the request";
  }
}

function codes(value: unknown): string | null {
  return Array.isArray(value) && value.length && value.every((c) => typeof c === "number") ? value.join(", ") : null;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** A fallback or loadbalance node's `strategy.hedge` in words ("hedged after 300 ms", "hedged after p95, up to 2 more"), or "". */
function hedgeWords(node: Record<string, unknown>): string {
  const hedge = isRecord(node.strategy) ? node.strategy.hedge : undefined;
  if (!isRecord(hedge)) return "";
  const after =
    hedge.after_ms === "p95" ? "each target's p95" : typeof hedge.after_ms === "number" ? seconds(hedge.after_ms) : "an invalid delay";
  const max = typeof hedge.max === "number" && hedge.max > 1 ? `, up to ${hedge.max} more at once` : "";
  return `, hedged after ${after}${max}`;
}

/** A node's own settings, in words: retries, timeout, cache, circuit breaker. */
function settingWords(node: Record<string, unknown>): string[] {
  const out: string[] = [];
  const retry = isRecord(node.retry) ? node.retry : null;
  if (retry && typeof retry.attempts === "number" && retry.attempts > 0) {
    const on = codes(retry.on_status_codes);
    out.push(`retry ${retry.attempts}×${on ? ` on ${on}` : ""}`);
  }
  if (typeof node.request_timeout === "number" && node.request_timeout > 0) out.push(`timeout ${seconds(node.request_timeout)}`);
  if (node.cache !== undefined) out.push("cached");
  if (isRecord(node.circuit_breaker)) out.push("circuit breaker");
  return out;
}

/** One node of the tree in words; `nested`: inside another node (composite parts get parentheses). */
function describe(node: unknown, keys: KeyProviders, nested: boolean): string {
  if (!isRecord(node)) return "an invalid target";
  const mode = modeOf(node);
  const own = nested ? settingWords(node) : [];
  const withOwn = (text: string, composite: boolean) => {
    const body = composite && nested ? `(${text})` : text;
    return own.length ? `${body} [${own.join(", ")}]` : body;
  };
  if (mode === null) {
    const source = targetSource(node, keys);
    const text =
      source.kind === "provider"
        ? source.label
        : source.kind === "unknown_key"
          ? `unknown key ${source.slug}`
          : "the request's own credentials";
    return withOwn(text, false);
  }
  if (mode === "unknown") {
    const raw = isRecord(node.strategy) ? node.strategy.mode : undefined;
    return withOwn(raw === undefined ? "a strategy with no mode" : `an invalid mode ${JSON.stringify(raw)}`, false);
  }
  const targets = targetsOf(node);
  if (!targets.length) return withOwn(`${MODE_WORDS[mode]} with no targets`, false);
  const parts = targets.map((t) => describe(t, keys, true));
  switch (mode) {
    case "single":
      return withOwn(parts[0] ?? "", false);
    case "fallback": {
      const strategy = isRecord(node.strategy) ? node.strategy : {};
      const on = codes(strategy.on_status_codes);
      const hedge = parts.length > 1 ? hedgeWords(node) : "";
      return withOwn(`${parts.join(" -> ")}${parts.length > 1 ? (on ? ` on ${on}` : " on any failure") : ""}${hedge}`, parts.length > 1);
    }
    case "loadbalance": {
      const by = balanceBy(node);
      if (by) {
        const drawn = parts.map((p, i) => (weightOf(targets[i]) === 0 ? `${p} 0%` : p));
        return withOwn(`${drawn.join(" / ")} ${by === "latency" ? "by lowest latency" : "by fewest in flight"}${hedgeWords(node)}`, true);
      }
      const roles = targetRoles(node);
      const shares = parts.map(
        (p, i) => `${p} ${(roles[i] ?? "").replace(/ of traffic$/, "").replace(/^Never drawn \(weight 0\)$/, "0%")}`,
      );
      return withOwn(`${shares.join(" / ")}${hedgeWords(node)}`, true);
    }
    case "conditional": {
      const strategy = isRecord(node.strategy) ? node.strategy : {};
      const byName = new Map<string, string>();
      targets.forEach((t, i) => {
        if (isRecord(t) && typeof t.name === "string") byName.set(t.name, parts[i] ?? "");
      });
      const conditions = Array.isArray(strategy.conditions) ? strategy.conditions : [];
      const rules = conditions.map((c, i) => {
        const then = isRecord(c) && typeof c.then === "string" ? c.then : "";
        return `if ${i + 1} -> ${byName.get(then) ?? (then ? `no target ${JSON.stringify(then)}` : "nothing")}`;
      });
      const fallbackTo =
        typeof strategy.default === "string" ? (byName.get(strategy.default) ?? `no target ${JSON.stringify(strategy.default)}`) : "400";
      return withOwn(`${rules.join(", ")}${rules.length ? ", " : ""}else ${fallbackTo}`, true);
    }
  }
}

/**
 * The config in one line: its routing, then the top level's retries, timeout, cache and circuit
 * breaker. Nested targets' own settings follow them in brackets.
 */
export function summarizeConfig(config: unknown, keys: KeyProviders): string {
  if (!isRecord(config)) return "Not a config: the JSON must be an object.";
  if (Object.keys(config).length === 0) return "Empty: each request must name its virtual key.";
  const routing = describe(config, keys, false);
  return [routing, ...settingWords(config)].join(" · ");
}
