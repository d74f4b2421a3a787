/**
 * The log sink's worker thread (lib/store/log-sink-thread.ts starts it): the in-process sink of
 * lib/store/log-sink.ts over the database named in `workerData.target`, answering each request.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { DatabaseTarget } from "../db";
import { settleWhenIdle } from "../settle-heap";
import { inThreadLogSink, THREAD_SQLITE_CHUNK } from "./log-sink";
import type { SinkReply, SinkRequest } from "./log-sink-thread";

const port = parentPort;
if (!port) throw new Error("lib/store/log-sink-worker.ts runs as a worker thread only");
const sink = inThreadLogSink((workerData as { target: DatabaseTarget }).target, { sqliteChunk: THREAD_SQLITE_CHUNK });

// This thread's heap is its own: after a burst of writes, it gives back what the burst grew too.
settleWhenIdle();

const reply = (r: SinkReply) => port.postMessage(r);
port.on("message", (req: SinkRequest) => {
  const done = req.op === "write" ? sink.write(req.records) : sink.close();
  done.then(
    () => {
      reply({ id: req.id, ok: true });
      // Closed: nothing holds the thread any more once its port is closed, and it ends by itself.
      if (req.op === "close") port.close();
    },
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      reply({ id: req.id, ok: false, error: { name: e.name, message: e.message, code: (e as { code?: unknown }).code } });
    },
  );
});
