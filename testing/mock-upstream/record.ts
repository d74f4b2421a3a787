// Bounded request record (ring buffer) with waiters for "received" and "settled" events.
import type { ApiPath, Provider, RecordedRequest, RequestFilter, WaitOptions } from "./types";

type Predicate = (r: RecordedRequest) => boolean;

interface Waiter {
  pred: Predicate;
  settled: boolean;
  resolve: (r: RecordedRequest) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export function matchesFilter(r: RecordedRequest, f: RequestFilter): boolean {
  return (
    (f.provider === undefined || r.provider === f.provider) &&
    (f.key === undefined || r.key === f.key) &&
    (f.deployment === undefined || r.deployment === f.deployment) &&
    (f.path === undefined || r.path === f.path) &&
    (f.model === undefined || r.model === f.model) &&
    (f.fault === undefined || r.fault === f.fault)
  );
}

export class RequestLog {
  private buf: RecordedRequest[] = [];
  private head = 0; // index of the oldest entry once the buffer is full
  private seq = 0;
  private connectionSeq = 0;
  private connections = new WeakMap<object, number>(); // socket -> its number
  private received = new WeakSet<RecordedRequest>();
  private waiters = new Set<Waiter>();

  constructor(private readonly cap: number) {}

  begin(provider: Provider, path: ApiPath, url: string, socket: object, deployment?: string): RecordedRequest {
    let connection = this.connections.get(socket);
    if (connection === undefined) {
      connection = ++this.connectionSeq;
      this.connections.set(socket, connection);
    }
    const rec: RecordedRequest = {
      seq: ++this.seq,
      connection,
      time: Date.now(),
      provider,
      path,
      url,
      stream: false,
      includeUsage: false,
      aborted: false,
      settled: false,
    };
    if (deployment !== undefined) rec.deployment = deployment;
    if (this.buf.length < this.cap) this.buf.push(rec);
    else {
      this.buf[this.head] = rec;
      this.head = (this.head + 1) % this.cap;
    }
    return rec;
  }

  /** The request was parsed and its fault decided. */
  markReceived(rec: RecordedRequest): void {
    this.received.add(rec);
    if (this.waiters.size > 0) this.notify(rec, false);
  }

  settle(rec: RecordedRequest, durationMs: number): void {
    rec.settled = true;
    rec.durationMs = durationMs;
    if (this.waiters.size > 0) this.notify(rec, true);
  }

  private ordered(): RecordedRequest[] {
    return this.head === 0 ? this.buf : this.buf.slice(this.head).concat(this.buf.slice(0, this.head));
  }

  list(filter?: RequestFilter): RecordedRequest[] {
    const out: RecordedRequest[] = [];
    for (const r of this.ordered()) if (!filter || matchesFilter(r, filter)) out.push({ ...r });
    return out;
  }

  clear(): void {
    this.buf = [];
    this.head = 0;
  }

  wait(match: RequestFilter | Predicate | undefined, opts: WaitOptions = {}): Promise<RecordedRequest> {
    const pred: Predicate = typeof match === "function" ? match : match ? (r) => matchesFilter(r, match) : () => true;
    const settled = opts.settled ?? true;
    const ready = (r: RecordedRequest) => (settled ? r.settled : this.received.has(r)) && pred(r);
    const existing = this.ordered().find(ready);
    if (existing) return Promise.resolve({ ...existing });
    const timeoutMs = opts.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        pred,
        settled,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          reject(new Error(`waitForRequest: no ${settled ? "settled" : "received"} request matched within ${timeoutMs}ms`));
        }, timeoutMs),
      };
      this.waiters.add(w);
    });
  }

  rejectWaiters(reason: string): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error(reason));
    }
    this.waiters.clear();
  }

  private notify(rec: RecordedRequest, settledEvent: boolean): void {
    for (const w of this.waiters) {
      if (w.settled !== settledEvent || !w.pred(rec)) continue;
      clearTimeout(w.timer);
      this.waiters.delete(w);
      w.resolve({ ...rec });
    }
  }
}
