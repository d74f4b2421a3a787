/**
 * A closed-loop load generator for the soak: `c` workers, each sending its next request as soon as
 * its previous one is answered, until the deadline. Requests go round robin over the endpoints (a
 * client-side load balancer). Nothing is ever cut off in flight: every request sent is waited for
 * (bounded by a 30 s client timeout), so "requests answered" is exact for the log check, unlike a
 * duration-bound autocannon run. undici (the app's own dependency) with one keep-alive pool per endpoint.
 */
import { Pool } from "undici";

export type Endpoint = { name: string; origin: string; path: string; headers: Record<string, string>; body: string };

export type EndpointTally = { answered: number; statuses: Map<number, number>; errors: number; errorKinds: Map<string, number> };

export type NonOkSample = { endpoint: string; status: number; requestId: string | null; body: string };

export type LoadRun = {
  /** Live counters, readable while the run is going (progress, per-interval rates). */
  live: { answered: number; errors: number; inFlight: number };
  done: Promise<LoadResult>;
};

export type LoadResult = {
  seconds: number;
  latencies: Float64Array;
  perEndpoint: EndpointTally[];
  answered: number;
  errors: number;
  /** The first non-2xx answers (up to 20), with Detour's request id (= log id) when it sent one. */
  nonOkSamples: NonOkSample[];
  /** Request ids of every 5xx answer (up to 10,000), to find their log rows. */
  serverErrorIds: string[];
  /** `x-portkey-last-used-option-index` values seen, and how often. */
  lastUsedIndex: Map<string, number>;
  /** Answers with `x-portkey-retry-attempt-count` other than 0. */
  retriedAnswers: number;
};

const CLIENT_TIMEOUT_MS = 30_000;

export function startLoad(endpoints: Endpoint[], c: number, seconds: number): LoadRun {
  const pools = endpoints.map(
    (e) =>
      new Pool(e.origin, {
        connections: c,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        headersTimeout: CLIENT_TIMEOUT_MS,
        bodyTimeout: CLIENT_TIMEOUT_MS,
      }),
  );
  const perEndpoint: EndpointTally[] = endpoints.map(() => ({ answered: 0, statuses: new Map(), errors: 0, errorKinds: new Map() }));
  const live = { answered: 0, errors: 0, inFlight: 0 };
  let latencies = new Float64Array(1 << 16);
  let n = 0;
  const nonOkSamples: NonOkSample[] = [];
  const serverErrorIds: string[] = [];
  const lastUsedIndex = new Map<string, number>();
  let retriedAnswers = 0;
  let rr = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let lastAnswer = t0;

  const worker = async () => {
    while (performance.now() < end) {
      const i = rr++ % endpoints.length;
      const e = endpoints[i]!;
      const tally = perEndpoint[i]!;
      const start = performance.now();
      live.inFlight += 1;
      try {
        const res = await pools[i]!.request({ path: e.path, method: "POST", headers: e.headers, body: e.body });
        const text = await res.body.text();
        const ms = performance.now() - start;
        lastAnswer = performance.now();
        if (n === latencies.length) {
          const bigger = new Float64Array(latencies.length * 2);
          bigger.set(latencies);
          latencies = bigger;
        }
        latencies[n++] = ms;
        tally.answered += 1;
        live.answered += 1;
        tally.statuses.set(res.statusCode, (tally.statuses.get(res.statusCode) ?? 0) + 1);
        const h = res.headers;
        const index = h["x-portkey-last-used-option-index"];
        if (typeof index === "string") lastUsedIndex.set(index, (lastUsedIndex.get(index) ?? 0) + 1);
        const retries = h["x-portkey-retry-attempt-count"];
        if (typeof retries === "string" && retries !== "0") retriedAnswers += 1;
        if (res.statusCode < 200 || res.statusCode > 299) {
          const requestId = typeof h["x-portkey-request-id"] === "string" ? h["x-portkey-request-id"] : null;
          if (nonOkSamples.length < 20)
            nonOkSamples.push({ endpoint: e.name, status: res.statusCode, requestId, body: text.slice(0, 300) });
          if (res.statusCode >= 500 && requestId && serverErrorIds.length < 10_000) serverErrorIds.push(requestId);
        }
      } catch (err) {
        tally.errors += 1;
        live.errors += 1;
        const kind = (err as { code?: string }).code ?? (err as Error).name;
        tally.errorKinds.set(kind, (tally.errorKinds.get(kind) ?? 0) + 1);
      } finally {
        live.inFlight -= 1;
      }
    }
  };

  const done = (async (): Promise<LoadResult> => {
    try {
      await Promise.all(Array.from({ length: c }, () => worker()));
    } finally {
      await Promise.all(pools.map((p) => p.close().catch(() => {})));
    }
    return {
      seconds: (lastAnswer - t0) / 1000,
      latencies: latencies.subarray(0, n),
      perEndpoint,
      answered: live.answered,
      errors: live.errors,
      nonOkSamples,
      serverErrorIds,
      lastUsedIndex,
      retriedAnswers,
    };
  })();
  return { live, done };
}
