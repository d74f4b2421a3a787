/**
 * Per-target figures for loadbalance by latency / in_flight (docs/GATEWAY.md §5.10), kept per
 * instance, in memory, bounded, and merged with the other instances' (shared.ts).
 *
 * For each target (its identity: hooks.ts):
 * - latency: a moving average (EWMA, weight LATENCY_ALPHA per attempt) of the time an attempt took
 *   to settle: response headers, for a stream its first content chunk (§5.2, §5.6). A figure with no
 *   sample for STALE_MS is unknown again (the target is then only tried by exploration, and its
 *   next sample starts the average afresh).
 * - failure: a moving average of 1 per failed attempt, 0 per answer (same weight); at
 *   FAILING_AT or more the target is `failing`. A failed attempt (any status but 2xx, a timeout, a
 *   network error, a broken stream, an open circuit's skip) also counts as a latency sample of at
 *   least FAILURE_FLOOR_MS and twice the current figure, so a target that fails fast never looks fast.
 * - in flight: attempts of this instance sent and not yet over (a stream until it ends).
 *
 * Figures of the other instances (`merge`, from their reports every second): a target's latency
 * and failure are the mean of every fresh figure (this instance's and the others'), its in-flight
 * count the sum of this instance's and the others' last reports (REMOTE_TTL_MS old at most).
 *
 * p95 time to answer (hedge `after_ms: "p95"`, docs/GATEWAY.md §5.11): a fixed log-scale histogram
 * per target (P95_BUCKETS buckets, each P95_RATIO times the one before, from 1 ms), kept only for
 * targets whose leaves ask for it. Instances publish their histograms with their reports (the
 * buckets that hold samples), and a target's p95 is read from the sum of this instance's histogram
 * and the others' fresh ones: the p95 of all the instances' samples (not a mean of p95s), so an
 * instance that has just started hedges after the fleet's p95 instead of waiting for samples. Samples are answers'
 * times (same measure as latency) and the time a hedge's cancelled loser had run (a lower bound of
 * its answer time: without it, the slow answers a hedge cuts short would vanish from the tail and
 * the p95 would sink). Decay: when the count reaches P95_WINDOW every bucket is halved, so a
 * sample's weight halves every P95_WINDOW / 2 samples after it; a histogram with no sample for
 * STALE_MS starts afresh. `p95()` is undefined below P95_MIN_SAMPLES samples.
 */

export const LATENCY_ALPHA = 0.3;
export const STALE_MS = 60_000;
export const FAILURE_FLOOR_MS = 2_000;
export const FAILING_AT = 0.5;
/** Targets remembered at most (the least recently measured is forgotten first). */
export const MAX_TARGETS = 10_000;
/** Another instance's report counts this long after it arrived. */
export const REMOTE_TTL_MS = 5_000;
/** Instances whose reports are kept at most. */
export const MAX_INSTANCES = 64;
/** Targets one report carries at most. */
export const MAX_REPORTED = 1_000;

/** Buckets of the p95 histogram, and the ratio of one bucket's upper bound to the one before (1 ms first). */
export const P95_BUCKETS = 64;
export const P95_RATIO = 1.2;
/** The histogram is halved when it holds this many samples. */
export const P95_WINDOW = 200;
/** Samples needed before a p95 is given. */
export const P95_MIN_SAMPLES = 20;
const LOG_RATIO = Math.log(P95_RATIO);

type Histogram = { counts: Float32Array; total: number; at: number };

type Entry = { latency: number | undefined; failure: number; at: number; inFlight: number; times?: Histogram };

/** One target in a report: [id, latency ms or null, age of the figure in ms, failure, in flight]. */
export type ReportedFigure = [string, number | null, number, number, number];
/** One target's p95 histogram in a report: [id, age of its last sample in ms, [bucket, count, bucket, count, ...]] (buckets with samples only). */
export type ReportedTimes = [string, number, number[]];
/** What an instance publishes every second. `times` is absent in the reports of older instances. */
export type Report = { figures: ReportedFigure[]; times: ReportedTimes[] };

type Remote = {
  receivedAt: number;
  figures: Map<string, { latency: number | null; at: number; failure: number; inFlight: number }>;
  times: Map<string, Histogram>;
};

/** The histograms of a target summed for one p95 (reused: p95 allocates nothing). */
const merged = new Float32Array(P95_BUCKETS);

export type Figure = { value: number | undefined; failing: boolean };

export class TargetFigures {
  private readonly entries = new Map<string, Entry>();
  private readonly remotes = new Map<string, Remote>();

  constructor(private readonly now: () => number = Date.now) {}

  /** An attempt is sent to the target. */
  begin(id: string): void {
    this.entry(id).inFlight++;
  }

  /** That attempt is over (answered, failed, aborted, or its stream ended). */
  end(id: string): void {
    const entry = this.entries.get(id);
    if (entry && entry.inFlight > 0) entry.inFlight--;
  }

  /** An attempt settled after `latencyMs`: an answer (`ok`) or a failure. */
  observe(id: string, ok: boolean, latencyMs: number): void {
    const now = this.now();
    const entry = this.entry(id);
    const fresh = entry.latency !== undefined && now - entry.at < STALE_MS;
    const sample = ok ? latencyMs : Math.max(latencyMs, FAILURE_FLOOR_MS, 2 * (fresh ? (entry.latency ?? 0) : 0));
    const failed = ok ? 0 : 1;
    if (fresh) {
      entry.latency = (entry.latency ?? sample) + LATENCY_ALPHA * (sample - (entry.latency ?? sample));
      entry.failure += LATENCY_ALPHA * (failed - entry.failure);
    } else {
      entry.latency = sample;
      entry.failure = failed;
    }
    entry.at = now;
    // Most recently measured last: the first one is the one to forget.
    this.entries.delete(id);
    this.entries.set(id, entry);
  }

  /**
   * A time to answer for the target's p95 histogram (only targets whose leaves ask for it): an
   * answer's latency, or how long a hedge's cancelled loser had run.
   */
  time(id: string, ms: number): void {
    const now = this.now();
    const entry = this.entry(id);
    let h = entry.times;
    if (!h || now - h.at >= STALE_MS) {
      h = { counts: new Float32Array(P95_BUCKETS), total: 0, at: now };
      entry.times = h;
    }
    const bucket = ms <= 1 ? 0 : Math.min(P95_BUCKETS - 1, Math.ceil(Math.log(ms) / LOG_RATIO));
    h.counts[bucket] = (h.counts[bucket] ?? 0) + 1;
    h.total++;
    h.at = now;
    if (h.total >= P95_WINDOW) {
      for (let i = 0; i < P95_BUCKETS; i++) h.counts[i] = (h.counts[i] ?? 0) / 2;
      h.total /= 2;
    }
  }

  /**
   * The target's p95 time to answer in ms (a bucket's upper bound), from this instance's samples and
   * the other instances' reported ones; undefined below P95_MIN_SAMPLES fresh samples in all.
   */
  p95(id: string): number | undefined {
    const now = this.now();
    merged.fill(0);
    let total = 0;
    const add = (h: Histogram | undefined) => {
      if (!h || now - h.at >= STALE_MS) return;
      for (let i = 0; i < P95_BUCKETS; i++) merged[i] = (merged[i] ?? 0) + (h.counts[i] ?? 0);
      total += h.total;
    };
    add(this.entries.get(id)?.times);
    for (const [origin, remote] of this.remotes) {
      if (now - remote.receivedAt > REMOTE_TTL_MS) this.remotes.delete(origin);
      else add(remote.times.get(id));
    }
    if (total < P95_MIN_SAMPLES) return undefined;
    const rank = total * 0.95;
    let seen = 0;
    for (let i = 0; i < P95_BUCKETS; i++) {
      seen += merged[i] ?? 0;
      if (seen >= rank) return Math.round(P95_RATIO ** i);
    }
    return Math.round(P95_RATIO ** (P95_BUCKETS - 1));
  }

  /** The figure the draw reads: latency (undefined when unknown) or attempts in flight, both instances-wide. */
  figure(id: string, by: "latency" | "in_flight"): Figure {
    const now = this.now();
    const entry = this.entries.get(id);
    let sum = 0;
    let failure = 0;
    let known = 0;
    let inFlight = entry?.inFlight ?? 0;
    if (entry?.latency !== undefined && now - entry.at < STALE_MS) {
      sum += entry.latency;
      failure += entry.failure;
      known++;
    }
    for (const [origin, remote] of this.remotes) {
      if (now - remote.receivedAt > REMOTE_TTL_MS) {
        this.remotes.delete(origin);
        continue;
      }
      const figure = remote.figures.get(id);
      if (!figure) continue;
      inFlight += figure.inFlight;
      if (figure.latency !== null && now - figure.at < STALE_MS) {
        sum += figure.latency;
        failure += figure.failure;
        known++;
      }
    }
    const failing = known > 0 && failure / known >= FAILING_AT;
    if (by === "in_flight") return { value: inFlight, failing };
    return { value: known > 0 ? sum / known : undefined, failing };
  }

  /**
   * This instance's figures for the others: fresh ones and those with attempts in flight, and the
   * fresh p95 histograms, at most MAX_REPORTED of each.
   */
  report(): Report {
    const now = this.now();
    const figures: ReportedFigure[] = [];
    const times: ReportedTimes[] = [];
    // Newest first: the most recently measured targets are the ones worth sharing.
    const ids = [...this.entries.keys()];
    for (let i = ids.length - 1; i >= 0; i--) {
      const id = ids[i] as string;
      const entry = this.entries.get(id) as Entry;
      const age = now - entry.at;
      const fresh = entry.latency !== undefined && age < STALE_MS;
      if ((fresh || entry.inFlight > 0) && figures.length < MAX_REPORTED)
        figures.push([id, fresh ? Math.round(entry.latency as number) : null, Math.max(0, age), round2(entry.failure), entry.inFlight]);
      const h = entry.times;
      if (h && h.total > 0 && now - h.at < STALE_MS && times.length < MAX_REPORTED) {
        const buckets: number[] = [];
        for (let b = 0; b < P95_BUCKETS; b++) if ((h.counts[b] ?? 0) > 0) buckets.push(b, round2(h.counts[b] as number));
        times.push([id, Math.max(0, now - h.at), buckets]);
      }
      if (figures.length >= MAX_REPORTED && times.length >= MAX_REPORTED) break;
    }
    return { figures, times };
  }

  /** Another instance's report (it replaces what that instance sent before). */
  merge(origin: string, report: Report): void {
    const now = this.now();
    const figures: Remote["figures"] = new Map();
    for (const [id, latency, age, failure, inFlight] of report.figures.slice(0, MAX_REPORTED)) {
      figures.set(id, { latency, at: now - age, failure, inFlight });
    }
    const times: Remote["times"] = new Map();
    for (const [id, age, buckets] of report.times.slice(0, MAX_REPORTED)) {
      const counts = new Float32Array(P95_BUCKETS);
      let total = 0;
      for (let i = 0; i + 1 < buckets.length; i += 2) {
        const b = buckets[i] as number;
        const n = buckets[i + 1] as number;
        if (!Number.isInteger(b) || b < 0 || b >= P95_BUCKETS) continue;
        counts[b] = (counts[b] ?? 0) + n;
        total += n;
      }
      if (total > 0) times.set(id, { counts, total, at: now - age });
    }
    this.remotes.delete(origin);
    if (this.remotes.size >= MAX_INSTANCES) {
      const oldest = this.remotes.keys().next().value;
      if (oldest !== undefined) this.remotes.delete(oldest);
    }
    this.remotes.set(origin, { receivedAt: now, figures, times });
  }

  /** Targets this instance keeps figures for (bounded by MAX_TARGETS). */
  get size(): number {
    return this.entries.size;
  }

  /** This instance's own figures, for the metrics: [id, latency or undefined, in flight]. */
  *local(): Generator<[string, number | undefined, number]> {
    const now = this.now();
    for (const [id, entry] of this.entries) {
      yield [id, entry.latency !== undefined && now - entry.at < STALE_MS ? entry.latency : undefined, entry.inFlight];
    }
  }

  private entry(id: string): Entry {
    let entry = this.entries.get(id);
    if (entry) return entry;
    if (this.entries.size >= MAX_TARGETS) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    entry = { latency: undefined, failure: 0, at: 0, inFlight: 0 };
    this.entries.set(id, entry);
    return entry;
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Parses another instance's report; null when it is not one (never throws). Malformed entries are skipped. */
export function parseReport(raw: string): ({ origin: string } & Report) | null {
  try {
    const m = JSON.parse(raw) as { origin?: unknown; figures?: unknown; times?: unknown };
    if (typeof m.origin !== "string" || !Array.isArray(m.figures)) return null;
    const figures: ReportedFigure[] = [];
    for (const f of m.figures.slice(0, MAX_REPORTED) as unknown[]) {
      if (!Array.isArray(f) || f.length !== 5) continue;
      const [id, latency, age, failure, inFlight] = f as unknown[];
      if (typeof id !== "string" || (latency !== null && !isNum(latency)) || !isNum(age) || !isNum(failure) || !isNum(inFlight)) continue;
      figures.push([id, latency as number | null, age as number, failure as number, inFlight as number]);
    }
    const times: ReportedTimes[] = [];
    for (const t of (Array.isArray(m.times) ? m.times.slice(0, MAX_REPORTED) : []) as unknown[]) {
      if (!Array.isArray(t) || t.length !== 3) continue;
      const [id, age, buckets] = t as unknown[];
      if (typeof id !== "string" || !isNum(age) || !Array.isArray(buckets) || buckets.length > 2 * P95_BUCKETS || !buckets.every(isNum))
        continue;
      times.push([id, age, buckets as number[]]);
    }
    return { origin: m.origin, figures, times };
  } catch {
    return null;
  }
}

function isNum(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
}
