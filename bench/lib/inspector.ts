/**
 * A process started with `--inspect=127.0.0.1:PORT`, driven over the DevTools protocol (undici's
 * WebSocket): a full garbage collection, then the JS heap in use. The heap after a full GC is what
 * the process really keeps: comparing it at the start and the end of a soak tells live growth (a
 * leak) from garbage not yet collected or from the allocator keeping pages (RSS).
 */
import { WebSocket } from "undici";

type Message = { id?: number; result?: Record<string, unknown>; error?: { message: string } };

async function call(
  port: number,
  methods: { method: string; params?: Record<string, unknown> }[],
  timeoutMs = 20_000,
): Promise<Record<string, unknown>[]> {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(5_000) })).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const url = list[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${port}`);
  const ws = new WebSocket(url);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector on port ${port}: no answer within ${timeoutMs} ms`)), timeoutMs);
      const results: Record<string, unknown>[] = [];
      ws.addEventListener("error", () => reject(new Error(`inspector on port ${port}: WebSocket error`)));
      ws.addEventListener("message", (ev) => {
        const msg = JSON.parse(String(ev.data)) as Message;
        if (msg.id === undefined) return;
        if (msg.error) return reject(new Error(`inspector: ${msg.error.message}`));
        results[msg.id] = msg.result ?? {};
        if (msg.id === methods.length - 1) {
          clearTimeout(timer);
          resolve(results);
        } else ws.send(JSON.stringify({ id: msg.id + 1, ...methods[msg.id + 1] }));
      });
      ws.addEventListener("open", () => ws.send(JSON.stringify({ id: 0, ...methods[0] })));
    });
  } finally {
    ws.close();
  }
}

/** Full GC, then the JS heap used (MiB). NaN when the inspector does not answer. */
export async function heapAfterGcMiB(port: number): Promise<number> {
  try {
    const r = await call(port, [
      { method: "HeapProfiler.enable" },
      { method: "HeapProfiler.collectGarbage" },
      { method: "HeapProfiler.collectGarbage" },
      { method: "Runtime.getHeapUsage" },
    ]);
    return Number(r[3]?.usedSize) / 2 ** 20;
  } catch {
    return NaN;
  }
}
