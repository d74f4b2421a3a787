/**
 * Wires the circuit breaker (circuit.ts) into the router for one request: `admit` / `report` /
 * `skippedResponse` of RouteOptions. Only leaves whose settings carry `circuitBreaker` are touched.
 *
 * Identity of a circuit: the concrete upstream in a workspace, so configs sharing it share its
 * circuit: `<workspace>:vk:<virtual key slug>` for a virtual key, else
 * `<workspace>:<provider>:<sha256(provider, custom host, the adapter's upstreamKey)[0..16]>` (Azure's: resource, deployment).
 * The process's breaker uses Redis when REDIS_URL is set (shared by every instance, mirrored in
 * memory so closed circuits cost no Redis call), else memory.
 */
import { createHash } from "node:crypto";
import { logger } from "../../logger";
import { setCircuitOpen } from "../../metrics";
import { getRedis, instanceId, isRedisConfigured, publish, subscribe } from "../../redis";
import { getEnv } from "../../env";
import { errorBody } from "../../errors";
import { getRuntime } from "../../runtime";
import type { UpstreamPayload } from "../request/attempt";
import { CircuitBreaker, MemoryCircuitStore, RedisCircuitStore } from "./breaker";
import { MirroredCircuitStore, parseAnnouncement } from "./mirror";
import type { ResolvedTarget } from "../request/resolve-targets";
import type { RouteLeaf, RouteOptions } from "../router";
import { withChanges } from "../../object";

type Hooks = Pick<RouteOptions<ResolvedTarget, UpstreamPayload>, "admit" | "report" | "skippedResponse">;

/** The runtime's `circuit`: the process's breaker, the circuits it knows to be open, their metric labels. */
export type CircuitState = { breaker: CircuitBreaker; open: Set<string>; labels: Map<string, string>; redisDown: boolean };

function state(): CircuitState {
  const rt = getRuntime();
  rt.circuit ??= createState();
  return rt.circuit;
}

function createState(): CircuitState {
  const open = new Set<string>();
  const labels = new Map<string, string>();
  const s: CircuitState = { breaker: undefined as unknown as CircuitBreaker, open, labels, redisDown: false };
  const onState = (id: string, isOpen: boolean) => {
    if (isOpen === open.has(id)) return;
    if (isOpen) open.add(id);
    else open.delete(id);
    setCircuitOpen(labels.get(id) ?? "other", isOpen);
  };
  const store = isRedisConfigured() ? sharedStore(s, onState) : new MemoryCircuitStore();
  s.breaker = new CircuitBreaker(store, Date.now, { onState });
  return s;
}

/**
 * Circuits shared through Redis, mirrored locally (circuit-mirror.ts): transitions are announced on
 * `<DETOUR_REDIS_PREFIX>:circuit`, so a closed circuit costs no Redis call on the request path.
 */
function sharedStore(s: { redisDown: boolean }, onState: (id: string, open: boolean) => void): MirroredCircuitStore {
  const prefix = getEnv().DETOUR_REDIS_PREFIX;
  const redisStore = new RedisCircuitStore(() => getRedis()?.command ?? null, prefix, {
    onError: (reason) => {
      if (s.redisDown) return;
      s.redisDown = true;
      logger.warn({ reason }, "circuit breaker: Redis unavailable, circuits this instance does not know to be open count as closed");
      setTimeout(() => (s.redisDown = false), 30_000).unref();
    },
  });
  const channel = `${prefix}:circuit`;
  const origin = instanceId();
  const mirror = new MirroredCircuitStore(redisStore, (a) => {
    publish(channel, JSON.stringify(withChanges(a, { origin }))).catch((err: Error) => {
      logger.warn(
        { err: err.message, circuit: a.id },
        "circuit breaker: could not announce a state change (other instances learn it from the store)",
      );
    });
  });
  try {
    subscribe(channel, {
      message: (raw) => {
        const a = parseAnnouncement(raw);
        if (!a || a.origin === origin) return;
        mirror.apply(a);
        onState(a.id, a.open);
      },
      up: () => mirror.setLive(true),
      down: () => mirror.setLive(false),
    });
  } catch (err) {
    logger.error({ err: (err as Error).message }, "circuit breaker: could not subscribe to announcements; every decision asks Redis");
  }
  return mirror;
}

export function circuitId(workspaceId: string, target: ResolvedTarget): string {
  if (target.virtualKey) return `${workspaceId}:vk:${target.virtualKey.slug}`;
  const { creds } = target;
  const hash = createHash("sha256")
    .update(`${target.provider}\0${creds.customHost ?? ""}\0${target.adapter.upstreamKey(creds)}`)
    .digest("hex")
    .slice(0, 16);
  return `${workspaceId}:${target.provider}:${hash}`;
}

/** The gauge's `target` label: provider and virtual key slug (or the upstream hash). */
function circuitLabel(id: string, target: ResolvedTarget): string {
  return `${target.provider}/${target.virtualKey?.slug ?? id.slice(id.lastIndexOf(":") + 1)}`;
}

export function circuitRouteOptions(workspaceId: string): Hooks {
  const s = state();
  const idOf = (leaf: RouteLeaf<ResolvedTarget>) => {
    const id = circuitId(workspaceId, leaf.target);
    if (!s.labels.has(id) && s.labels.size < 10_000) s.labels.set(id, circuitLabel(id, leaf.target));
    return id;
  };
  return {
    admit: async (leaf) => {
      const policy = leaf.settings.circuitBreaker;
      if (!policy) return { ok: true };
      const decision = await s.breaker.admit(idOf(leaf), policy);
      if (decision === "open") return { ok: false, reason: "circuit open" };
      return decision === "probe" ? { ok: true, probe: true } : { ok: true };
    },
    report: (leaf, outcome, { probe }) => {
      const policy = leaf.settings.circuitBreaker;
      if (!policy) return;
      s.breaker.record(idOf(leaf), policy, outcome, probe).catch((err: unknown) => {
        logger.warn({ err: String(err) }, "circuit breaker: could not record a result");
      });
    },
    skippedResponse: ({ path, target }) => {
      const message = `Target ${path} (${target.provider}${target.virtualKey ? ` ${target.virtualKey.slug}` : ""}) was skipped: its circuit is open after repeated failures.`;
      return {
        kind: "error",
        body: errorBody("circuit_open", message),
        headers: null,
        gateway: true,
        message,
      };
    },
  };
}
