// One request/response pair: timers that die with it, writes that stop when the client is gone.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { RecordedRequest } from "./types";

export class Exchange {
  /** The response is over (finished, broken by the mock, or the client went away). */
  closed = false;
  /** The mock deliberately broke the connection (so it is not a client abort). */
  killed = false;
  private timers: Set<NodeJS.Timeout> | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly rec: RecordedRequest,
    readonly started: number,
  ) {}

  /** Runs fn after ms (synchronously when ms <= 0) unless the exchange closed meanwhile. */
  later(ms: number, fn: () => void): void {
    if (ms <= 0) {
      fn();
      return;
    }
    this.timers ??= new Set();
    const timers = this.timers;
    const t = setTimeout(() => {
      timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    timers.add(t);
  }

  dispose(): void {
    this.closed = true;
    if (!this.timers) return;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  head(status: number, headers: OutgoingHttpHeaders): void {
    this.rec.status = status;
    this.res.writeHead(status, headers);
  }

  send(status: number, headers: OutgoingHttpHeaders, body: string | Buffer): void {
    headers["content-length"] = typeof body === "string" ? Buffer.byteLength(body) : body.length;
    this.head(status, headers);
    this.res.end(body);
  }

  /** hard: TCP RST now (ECONNRESET). soft: flush what was written, then FIN (truncated body). */
  kill(hard: boolean): void {
    this.killed = true;
    const socket = this.req.socket;
    if (hard) socket.resetAndDestroy();
    else socket.destroySoon();
  }

  /** Writes frames with delayMs between them (one write when 0), then calls done. */
  writeFrames(frames: string[] | Buffer[], delayMs: number, done: () => void): void {
    if (delayMs <= 0) {
      if (frames.length > 0) {
        const first = frames[0];
        this.res.write(typeof first === "string" ? (frames as string[]).join("") : Buffer.concat(frames as Buffer[]));
      }
      done();
      return;
    }
    let i = 0;
    const step = (): void => {
      if (this.closed) return;
      const f = frames[i++];
      if (f === undefined) {
        done();
        return;
      }
      this.res.write(f);
      if (i < frames.length) this.later(delayMs, step);
      else done();
    };
    step();
  }
}
