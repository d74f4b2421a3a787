/**
 * The batch span processor's behaviour for Detour's finished requests (docs/GATEWAY.md §13), with
 * the OpenTelemetry SDK's variables and defaults: OTEL_BSP_SCHEDULE_DELAY (5000 ms),
 * OTEL_BSP_MAX_QUEUE_SIZE (2048 spans), OTEL_BSP_MAX_EXPORT_BATCH_SIZE (512 spans),
 * OTEL_BSP_EXPORT_TIMEOUT (30000 ms).
 *
 * Items are requests, each counting as its spans (a request's spans travel in one export). A batch
 * goes out when the queue holds a full batch, or `scheduleDelayMs` after the first item queued;
 * one export at a time. A request that would overflow the queue is dropped, counted by the caller's
 * `onDrop`. `shutdown` exports what is queued, within its time.
 */

import { FrontQueue } from "../front-queue";

export type BatchSettings = {
  scheduleDelayMs: number;
  maxQueueSize: number;
  maxExportBatchSize: number;
  exportTimeoutMs: number;
};

export type Batched = { readonly spanCount: number };

export type ExportFn<T> = (items: T[], done: (ok: boolean) => void) => void;

export class SpanBatcher<T extends Batched> {
  private readonly queue = new FrontQueue<T>();
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  private exporting: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly settings: BatchSettings,
    private readonly exportFn: ExportFn<T>,
    private readonly onDrop: (spans: number) => void = () => {},
  ) {}

  /** Spans queued and not yet handed to the exporter. */
  get queuedSpans(): number {
    return this.queued;
  }

  add(item: T): void {
    if (this.closed || this.queued + item.spanCount > this.settings.maxQueueSize) {
      this.onDrop(item.spanCount);
      return;
    }
    this.queue.push(item);
    this.queued += item.spanCount;
    this.schedule();
  }

  private schedule(): void {
    if (this.exporting || this.closed) return;
    if (this.queued >= this.settings.maxExportBatchSize) {
      this.clearTimer();
      this.exportOne();
    } else if (!this.timer && this.queued > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.exportOne();
      }, this.settings.scheduleDelayMs);
      this.timer.unref();
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Hands the next batch to the exporter; the promise settles when it is done or its time is up. */
  private exportOne(): Promise<void> {
    if (this.exporting) return this.exporting;
    let count = 0;
    let spans = 0;
    for (; count < this.queue.length; count++) {
      const item = this.queue.at(count);
      if (count > 0 && spans + item.spanCount > this.settings.maxExportBatchSize) break;
      spans += item.spanCount;
    }
    const batch = this.queue.take(count);
    this.queued -= spans;
    if (batch.length === 0) return Promise.resolve();
    this.exporting = new Promise<void>((resolve) => {
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(limit);
        resolve();
      };
      const limit = setTimeout(finish, this.settings.exportTimeoutMs);
      limit.unref();
      try {
        this.exportFn(batch, finish);
      } catch {
        finish();
      }
    }).then(() => {
      this.exporting = null;
      this.schedule();
    });
    return this.exporting;
  }

  /** Exports everything queued (batch by batch), then refuses new items; gives up at `timeoutMs`. */
  async shutdown(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.clearTimer();
    this.closed = true;
    while (Date.now() < deadline && (this.exporting || this.queue.length > 0)) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
      await Promise.race([this.exporting ?? this.exportOne(), late]).finally(() => clearTimeout(timer));
    }
    const left = this.queued;
    this.queue.clear();
    this.queued = 0;
    if (left > 0) this.onDrop(left);
  }
}
