/**
 * The config object of docs/GATEWAY.md §4: one zod schema for the gateway and the UI config builder.
 *
 * - `configSchema` accepts snake_case and camelCase keys (normalised to snake_case first, so the
 *   output is snake_case only) and also checks the rules that only apply at the top level.
 * - `targetSchema` is the snake_case node schema (a config and a target share it: a config is a
 *   node, possibly a bare single target); a UI form can use it and `ConfigInput` directly.
 * - `parseConfig` / `parseConfigJson` return `{ ok, config }` or issues `{ path, message }` with
 *   paths like `targets[1].retry.attempts`.
 */
import { z } from "zod";
import { validateQuery, type Query } from "./condition-query";
import { toConfigIssues, type ConfigIssue } from "./issues";
import { normalizeConfigKeys, ownValue } from "./keys";
import { isRecord } from "../../is-record";
import { countLeafTargets, MAX_CONFIG_TARGETS } from "./limits";
import { booleanValue, enumOf, intInRange, listOf, nonEmptyString, strictObject } from "./messages";
import { checkNode, checkRoot } from "./node-rules";
import { PROVIDER_IDS, PROVIDER_TARGET_KEYS, type ProviderId, type ProviderTargetKey } from "../providers/catalog";
import { copyOf } from "../../object";

export const STRATEGY_MODES = ["single", "fallback", "loadbalance", "conditional"] as const;
/** The provider ids (lib/gateway/providers/catalog.ts). */
export const PROVIDERS = PROVIDER_IDS;
export const CACHE_MODES = ["simple"] as const;
/** What a loadbalance node draws by (docs/GATEWAY.md §5.10): weight alone (the default), or figures kept per target. */
export const BALANCE_BY = ["weight", "latency", "in_flight"] as const;
export const MAX_RETRY_ATTEMPTS = 5;
export const MAX_REQUEST_TIMEOUT_MS = 10 * 60 * 1000;
export const DEFAULT_TARGET_WEIGHT = 1;
export const MAX_CIRCUIT_FAILURE_THRESHOLD = 100;
export const MIN_CIRCUIT_COOLDOWN_MS = 1000;
export const MAX_CIRCUIT_COOLDOWN_MS = 10 * 60 * 1000;

export type StrategyMode = (typeof STRATEGY_MODES)[number];
export type BalanceBy = (typeof BALANCE_BY)[number];
export type Provider = ProviderId;

const statusCodeList = listOf(intInRange(100, 599, " (an HTTP status code)"), "HTTP status codes").min(1, {
  error: "must list at least one status code (omit the key to use the default)",
});

export const retrySettingsSchema = strictObject(
  {
    attempts: intInRange(0, MAX_RETRY_ATTEMPTS),
    on_status_codes: statusCodeList.optional(),
    use_retry_after_header: booleanValue().optional(),
  },
  'an object such as {"attempts": 3}',
);

export const cacheSettingsSchema = strictObject(
  {
    mode: enumOf(CACHE_MODES, (input) => `cache mode ${JSON.stringify(input)} is not supported; supported: simple`),
    max_age: z
      .number({ error: "must be a positive whole number of seconds" })
      .int({ error: "must be a positive whole number of seconds" })
      .positive({ error: "must be a positive whole number of seconds" })
      .optional(),
  },
  'an object such as {"mode": "simple"}',
);

/** Opt-in circuit breaking for the target(s) of this node (inherited; a child's own setting replaces it). */
export const circuitBreakerSettingsSchema = strictObject(
  {
    failure_threshold: intInRange(1, MAX_CIRCUIT_FAILURE_THRESHOLD, " (consecutive failures)"),
    cooldown_ms: intInRange(MIN_CIRCUIT_COOLDOWN_MS, MAX_CIRCUIT_COOLDOWN_MS, " milliseconds"),
    failure_status_codes: statusCodeList.optional(),
  },
  'an object such as {"failure_threshold": 5, "cooldown_ms": 30000}',
);

/** What a Responses API follow-up does when the target holding its conversation fails (docs/GATEWAY.md §1.4). */
export const AFFINITY_ON_ORIGIN_FAILURE = ["error", "fallback_without_state"] as const;

/** Conversation affinity (top level only): `on_origin_failure`, default "error". */
export const affinitySettingsSchema = strictObject(
  {
    on_origin_failure: enumOf(
      AFFINITY_ON_ORIGIN_FAILURE,
      (input) => `must be one of ${AFFINITY_ON_ORIGIN_FAILURE.join(", ")}, not ${JSON.stringify(input)}`,
    ),
  },
  'an object such as {"on_origin_failure": "fallback_without_state"}',
);

export const querySchema = z
  .custom<Query>((value) => isRecord(value), { error: 'must be an object such as {"metadata.tier": "pro"}' })
  .superRefine((query, ctx) => {
    for (const issue of validateQuery(query)) {
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    }
  });

export const conditionSchema = strictObject(
  { query: querySchema, then: nonEmptyString("the name of one of this node's targets") },
  'an object {"query": {...}, "then": "<target name>"}',
);

/** Extra attempts a hedge may run at once beside the first (docs/GATEWAY.md §5.11). */
export const MAX_HEDGES = 3;

const hedgeAfterWhat = `an integer from 1 to ${MAX_REQUEST_TIMEOUT_MS} milliseconds, or "p95"`;
const hedgeAfterError = { error: `must be ${hedgeAfterWhat}` };

/** Hedged requests on a fallback or loadbalance node: after `after_ms` (or the running target's p95) without an answer, another target is tried too. */
export const hedgeSettingsSchema = strictObject(
  {
    after_ms: z.union(
      [z.literal("p95"), z.number().int(hedgeAfterError).min(1, hedgeAfterError).max(MAX_REQUEST_TIMEOUT_MS, hedgeAfterError)],
      {
        error: (issue) => (issue.input === undefined ? `is required (${hedgeAfterWhat})` : `must be ${hedgeAfterWhat}`),
      },
    ),
    max: intInRange(1, MAX_HEDGES, " (extra attempts at once)").optional(),
    allow_non_idempotent: booleanValue().optional(),
  },
  'an object such as {"after_ms": 2000}',
);

/** Keys that belong to one strategy mode only: named when used with another mode. */
const MODE_ONLY_KEYS: Record<string, StrategyMode> = {
  on_status_codes: "fallback",
  conditions: "conditional",
  default: "conditional",
  by: "loadbalance",
};
const modeHint = (key: string) => {
  if (key === "hedge") return "hedge is only allowed with mode fallback or loadbalance";
  const mode = ownValue(MODE_ONLY_KEYS, key);
  return mode ? `${key} is only allowed with mode ${mode}` : undefined;
};
const strategyWhat = 'an object such as {"mode": "fallback"}';

export const strategySchema = z.discriminatedUnion(
  "mode",
  [
    strictObject({ mode: z.literal("single") }, strategyWhat, modeHint),
    strictObject(
      { mode: z.literal("fallback"), on_status_codes: statusCodeList.optional(), hedge: hedgeSettingsSchema.optional() },
      strategyWhat,
      modeHint,
    ),
    strictObject(
      {
        mode: z.literal("loadbalance"),
        by: enumOf(BALANCE_BY, (input) => `must be one of ${BALANCE_BY.join(", ")}, not ${JSON.stringify(input)}`).optional(),
        hedge: hedgeSettingsSchema.optional(),
      },
      strategyWhat,
      modeHint,
    ),
    strictObject(
      {
        mode: z.literal("conditional"),
        conditions: listOf(conditionSchema, "conditions {query, then}").min(1, {
          error: "must list at least one condition",
        }),
        default: nonEmptyString("the name of one of this node's targets").optional(),
      },
      strategyWhat,
      modeHint,
    ),
  ],
  {
    error: (issue) => {
      // zod types this map as union issues only, but a non-object strategy reports invalid_type here.
      const code: string = issue.code;
      if (code === "invalid_type") return `must be ${strategyWhat}`;
      if (code !== "invalid_union") return undefined;
      const mode = isRecord(issue.input) ? issue.input.mode : undefined;
      return mode === undefined ? `is required: one of ${STRATEGY_MODES.join(", ")}` : `must be one of ${STRATEGY_MODES.join(", ")}`;
    },
  },
);

const nodeHint = (key: string) => {
  if (key === "mode") return 'mode belongs in strategy, e.g. {"strategy": {"mode": "fallback"}}';
  if (key === "options") return "options is the legacy Portkey name; use targets";
  return undefined;
};

const customHost = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://example.com/v1" })
  .max(2048, { error: "must be at most 2048 characters" });

/** Body parameters (user data, any key) except `__proto__`, which a JavaScript object cannot carry as a key. */
const bodyParams = z
  .custom<Record<string, unknown>>((value) => isRecord(value), { error: "must be an object of body parameters" })
  .superRefine((params, ctx) => {
    if (Object.hasOwn(params, "__proto__")) {
      ctx.addIssue({ code: "custom", path: ["__proto__"], message: "__proto__ is not a body parameter" });
    }
  })
  .transform((params) => copyOf(params));

/** The keys a `provider` target of one provider takes (`resource_name`...): each provider's own, all non-empty strings. */
const providerTargetFields = Object.fromEntries(PROVIDER_TARGET_KEYS.map((key) => [key, nonEmptyString().optional()])) as {
  [K in ProviderTargetKey]: z.ZodOptional<ReturnType<typeof nonEmptyString>>;
};

/**
 * `shape` with `extra`'s keys inserted after its key `after` (the schema's key order is the order of
 * its messages), its getters kept as getters: the recursive `targets` must not run before
 * `targetSchema` exists, and a spread in the literal would make its type circular.
 */
function insertAfter<S extends object, E extends object>(shape: S, after: keyof S & string, extra: E): S & E {
  const out = {} as S & E;
  for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(shape))) {
    Object.defineProperty(out, key, descriptor);
    if (key === after) Object.assign(out, extra);
  }
  return out;
}

export const targetSchema = strictObject(
  insertAfter(
    {
      strategy: strategySchema.optional(),
      get targets() {
        return listOf(targetSchema, "targets").min(1, { error: "must list at least one target" }).optional();
      },
      name: nonEmptyString().optional(),
      weight: z.number({ error: "must be a number >= 0" }).min(0, { error: "must be a number >= 0" }).default(DEFAULT_TARGET_WEIGHT),
      virtual_key: nonEmptyString("a virtual key slug").optional(),
      provider: enumOf(PROVIDERS, (input) => `unknown provider ${JSON.stringify(input)}; supported: ${PROVIDERS.join(", ")}`).optional(),
      api_key: nonEmptyString().optional(),
      custom_host: customHost.optional(),
      override_params: bodyParams.optional(),
      retry: retrySettingsSchema.optional(),
      cache: cacheSettingsSchema.optional(),
      request_timeout: intInRange(1, MAX_REQUEST_TIMEOUT_MS, " milliseconds").optional(),
      on_status_codes: statusCodeList.optional(),
      circuit_breaker: circuitBreakerSettingsSchema.optional(),
      affinity: affinitySettingsSchema.optional(),
    },
    "custom_host",
    providerTargetFields,
  ),
  "an object (a target or a strategy node)",
  nodeHint,
).superRefine((node, ctx) => checkNode(node, ctx));

/**
 * The whole config: camelCase keys normalised (conflicting spellings and over-deep nesting are
 * reported), then the node schema plus the top-level rules.
 */
export const configSchema = z.preprocess(
  (input, ctx) => {
    const { value, conflicts } = normalizeConfigKeys(input);
    for (const conflict of conflicts) ctx.addIssue({ code: "custom", path: conflict.path, message: conflict.message });
    // Counted before the (recursive) schema runs: an issue here stops validation, so a huge config costs one message.
    const leaves = countLeafTargets(value);
    if (leaves > MAX_CONFIG_TARGETS) {
      const message = `holds ${leaves} targets (leaf targets, nested ones included); a config may hold at most ${MAX_CONFIG_TARGETS}`;
      ctx.addIssue({ code: "custom", path: ["targets"], message });
    }
    return value;
  },
  targetSchema.superRefine((config, ctx) => checkRoot(config, ctx)),
);

export type Config = z.output<typeof configSchema>;
export type Target = z.output<typeof targetSchema>;
export type ConfigInput = z.input<typeof targetSchema>;
export type Strategy = z.output<typeof strategySchema>;
export type RetrySettings = z.output<typeof retrySettingsSchema>;
export type CacheSettings = z.output<typeof cacheSettingsSchema>;
export type CircuitBreakerSettings = z.output<typeof circuitBreakerSettingsSchema>;
export type HedgeSettings = z.output<typeof hedgeSettingsSchema>;
export type Condition = z.output<typeof conditionSchema>;
export type { Query } from "./condition-query";

export { formatConfigIssues, formatIssuePath, type ConfigIssue } from "./issues";
export { toCanonicalJson } from "./canonical-json";
export { MAX_CONFIG_TARGETS, MAX_UPSTREAM_ATTEMPTS, worstCaseAttempts } from "./limits";
export { MAX_TARGET_DEPTH } from "./keys";

export type ParseConfigResult = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

/** Validates a config object (snake_case or camelCase keys); never throws. */
export function parseConfig(input: unknown): ParseConfigResult {
  let result: ReturnType<typeof configSchema.safeParse>;
  try {
    result = configSchema.safeParse(input);
  } catch (error) {
    // Only a pathological input gets here (e.g. a stack overflow on an absurdly nested condition query).
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, issues: [{ path: "", message: `config could not be validated: ${reason}` }] };
  }
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, issues: toConfigIssues(result.error.issues) };
}

/** Parses config JSON text (e.g. an inline `x-portkey-config` header), reporting bad JSON first. */
export function parseConfigJson(text: string): ParseConfigResult {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, issues: [{ path: "", message: `config is not valid JSON: ${reason}` }] };
  }
  if (typeof input === "string") {
    const message = `config must be an object (a target or a strategy node); a saved config's id is sent as it is, without quotes (${JSON.stringify(input.slice(0, 64))})`;
    return { ok: false, issues: [{ path: "", message }] };
  }
  return parseConfig(input);
}
