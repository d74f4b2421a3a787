/**
 * Wires the per-target figures (figures.ts) into routing for one request: the router's `balance`
 * (figure / observe, for leaves below a loadbalance node that draws by latency or in_flight) and the
 * attempt's in-flight tracking (`track`). Leaves that are not measured cost nothing.
 *
 * Identity of a target: the circuit breaker's (circuit/hooks.ts: per workspace, the virtual key's
 * slug, else a hash of provider + custom host + resource + deployment) plus the model the target
 * sends (the body's `model` after the target's `override_params`): one account answers a small
 * model in 300 ms and a reasoning model in 30 s, and a provider's capacity is per model (or per
 * deployment), so figures of different models are not one target's.
 *
 * The p95 time to answer of leaves below a hedge `after_ms: "p95"` (`timed`) is read from a
 * histogram per target (figures.ts), this instance's summed with the others' published ones.
 *
 * Figures live in this process (runtime `balance`); with REDIS_URL each instance publishes its own
 * every second on `<DETOUR_REDIS_PREFIX>:balance` and merges the others' (no Redis call on the
 * request path; Redis down only means each instance goes by its own figures).
 */
import { logger } from "../../logger";
import { instanceId, isRedisConfigured, publish, redisKey, subscribe } from "../../redis";
import { getRuntime } from "../../runtime";
import { circuitId } from "../circuit/hooks";
import type { ResolvedTarget } from "../request/resolve-targets";
import type { AttemptOutcome, Balance, RouteLeaf } from "../router";
import { parseReport, TargetFigures } from "./figures";

/** How often an instance publishes its figures (and refreshes its metric labels). */
export const REPORT_INTERVAL_MS = 1_000;
/** Metric labels kept at most (targets beyond it are not shown). */
const MAX_LABELS = 200;

/** The runtime's `balance`: the figures and the metric label of each target measured here. */
export type BalanceState = { figures: TargetFigures; labels: Map<string, string> };

function state(): BalanceState {
  const rt = getRuntime();
  rt.balance ??= createState();
  return rt.balance;
}

function createState(): BalanceState {
  const s: BalanceState = { figures: new TargetFigures(), labels: new Map() };
  if (isRedisConfigured()) share(s.figures);
  return s;
}

/** Publishes this instance's figures every second and merges the others'; failures are logged, never thrown. */
function share(figures: TargetFigures): void {
  const channel = redisKey("balance");
  const origin = instanceId();
  let warned = 0;
  const timer = setInterval(() => {
    const report = figures.report();
    if (report.figures.length === 0 && report.times.length === 0) return;
    publish(channel, JSON.stringify({ origin, ...report })).catch((err: Error) => {
      if (Date.now() - warned < 30_000) return;
      warned = Date.now();
      logger.warn({ err: err.message }, "loadbalance: could not publish this instance's target figures (each instance uses its own)");
    });
  }, REPORT_INTERVAL_MS);
  timer.unref();
  try {
    subscribe(channel, {
      message: (raw) => {
        const report = parseReport(raw);
        if (report && report.origin !== origin) figures.merge(report.origin, report);
      },
      up: () => {},
      down: () => {},
    });
  } catch (err) {
    logger.error({ err: (err as Error).message }, "loadbalance: could not subscribe to the other instances' figures");
  }
}

/** Whether an outcome is an answer (2xx, no verdict of Detour's): anything else is a failure for the figures. */
export function isAnswer(outcome: AttemptOutcome<unknown>): boolean {
  return outcome.errorClass === undefined && outcome.status >= 200 && outcome.status < 300;
}

export type BalanceHooks = {
  balance: Balance<ResolvedTarget>;
  /** Counts an attempt of a measured leaf in flight; call the returned function once when it is over. */
  track: (leaf: { target: ResolvedTarget; path: string; settings: RouteLeaf<ResolvedTarget>["settings"] }) => () => void;
};

export function balanceRouteOptions(workspaceId: string, body: Record<string, unknown>): BalanceHooks {
  const s = state();
  let ids: Map<string, string> | undefined;
  const idOf = (leaf: { target: ResolvedTarget; path: string; settings: RouteLeaf<ResolvedTarget>["settings"] }) => {
    ids ??= new Map();
    let id = ids.get(leaf.path);
    if (id !== undefined) return id;
    const model = leaf.settings.overrideParams?.model ?? body.model;
    const name = typeof model === "string" ? model : "";
    const circuit = circuitId(workspaceId, leaf.target);
    id = `${circuit}:${name}`;
    ids.set(leaf.path, id);
    if (!s.labels.has(id) && s.labels.size < MAX_LABELS) {
      s.labels.set(id, `${leaf.target.provider}/${leaf.target.virtualKey?.slug ?? circuit.slice(circuit.lastIndexOf(":") + 1)}/${name}`);
    }
    return id;
  };
  return {
    balance: {
      figure: (leaf, by) => s.figures.figure(idOf(leaf), by),
      observe: (leaf, outcome, latencyMs) => {
        const id = idOf(leaf);
        const ok = isAnswer(outcome);
        s.figures.observe(id, ok, latencyMs);
        if (ok && leaf.settings.timed) s.figures.time(id, latencyMs);
      },
      p95: (leaf) => s.figures.p95(idOf(leaf)),
      cancelled: (leaf, latencyMs) => s.figures.time(idOf(leaf), latencyMs),
    },
    track: (leaf) => {
      const id = idOf(leaf);
      s.figures.begin(id);
      let open = true;
      return () => {
        if (!open) return;
        open = false;
        s.figures.end(id);
      };
    },
  };
}
