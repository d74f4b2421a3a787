/**
 * The time a request spends waiting on others, which is not Detour's own (`ownMs`, served.ts):
 * on its upstreams, from a request handed to the socket to its answer's headers, body or next
 * stream event read; and on its client, for its body to arrive and while a relayed stream's socket
 * is full. The upstream waits are counted as their union: a hedge's two attempts waiting at once
 * count once.
 */
export type Waits = {
  /** Upstream waits that have ended, in ms. */
  upstreamMs: number;
  /** Upstream waits in progress now, and since when the first of them has been running. */
  waiting: number;
  since: number;
  /** Waits on the client, in ms: its body's arrival (body.ts), a stream's full socket (backpressure). */
  clientMs: number;
};

export const newWaits = (): Waits => ({ upstreamMs: 0, waiting: 0, since: 0, clientMs: 0 });

/** A wait on an upstream begins (upstreamWait, or inline where an async wrapper per read would cost: sse-relay.ts). */
export function startWait(waits: Waits): void {
  if (waits.waiting++ === 0) waits.since = performance.now();
}

/** ... and ends. */
export function endWait(waits: Waits): void {
  if (--waits.waiting === 0) waits.upstreamMs += performance.now() - waits.since;
}

/** Waits for `pending` (an upstream's answer, body or event), counted in `waits` unless null. */
export async function upstreamWait<T>(waits: Waits | null | undefined, pending: Promise<T>): Promise<T> {
  if (!waits) return pending;
  startWait(waits);
  try {
    return await pending;
  } finally {
    endWait(waits);
  }
}

/**
 * One request's wait for its upstream's answer, which the request's own write interrupts: from the
 * request handed to undici to its socket's turn (a connection opened, an idle socket checked), then
 * from the request written to the answer's headers. The write (the head built, the socket's
 * syscall: ~0.2 ms on loopback) is Detour's own time. Told by sendUpstream's hooks (agent.ts).
 */
export class ExchangeWait {
  private on = false;
  constructor(private readonly waits: Waits | null | undefined) {}

  /** The wait runs (again): the request was handed over, or written. */
  start(): void {
    if (this.on || !this.waits) return;
    this.on = true;
    startWait(this.waits);
  }

  /** The wait stops: the request's socket is writing it, or the answer came (or failed). */
  stop(): void {
    if (!this.on || !this.waits) return;
    this.on = false;
    endWait(this.waits);
  }

  readonly writing = (): void => this.stop();
  readonly written = (): void => this.start();
}

/** The upstream waits so far, those in progress included. */
export function upstreamMsNow(waits: Waits): number {
  return waits.waiting > 0 ? waits.upstreamMs + performance.now() - waits.since : waits.upstreamMs;
}
