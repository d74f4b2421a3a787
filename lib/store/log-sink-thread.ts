/**
 * The request-log sink on its own thread: the same sink (lib/store/log-sink.ts) runs in a worker
 * thread, and `write` posts the batch there and resolves or rejects with the worker's answer. The
 * database work of a batch (building the rows and their search text, the inserts, the rollup and
 * spend upserts; on SQLite, better-sqlite3's synchronous calls) then never holds the event loop
 * that serves requests: it used to take ~20% of the server's busy time at c=32, and every SQLite
 * transaction was a pause of a few milliseconds for the requests in flight.
 *
 * The worker loads the sink's TypeScript sources through tsx's CommonJS hook (a dependency of the
 * production start as well), from the app's root (the working directory, where the migrations are
 * read from too): the engine's Next build cannot hand a thread its bundled modules. The gateway-only
 * role (lib/gateway-role.ts) runs its own bundle of the worker instead. Errors come back
 * with their name, message and code, so the writer's `isPermanentError` sees what it would see in
 * process. A worker that dies fails the writes in flight (the writer retries them: inserts are
 * idempotent by id) and is started again at the next write. It is unref'd while no write is in
 * flight, so it never keeps a process alive on its own; `close` ends it.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { DatabaseTarget } from "../db";
import type { LogRecord } from "../logs/types";
import type { LogSink } from "./log-sink";

/** Main thread -> worker. */
export type SinkRequest = { id: number; op: "write"; records: readonly LogRecord[] } | { id: number; op: "close" };
/** Worker -> main thread. */
export type SinkReply = { id: number; ok: true } | { id: number; ok: false; error: { name: string; message: string; code?: unknown } };

export const LOG_SINK_WORKER_FILE = "lib/store/log-sink-worker.ts";
const CLOSE_BOUND_MS = 10_000;

/** The sink, and its thread as it is now (null before the first write and after `close`). */
export type ThreadedLogSink = LogSink & { thread(): Worker | null };

/**
 * `root`: the app's root, where the worker's sources are (default: the working directory).
 * `workerFile`: a bundled worker script (ESM) to run instead of the sources through tsx: the
 * gateway-only role's build (scripts/build-server.ts), which has no tsx hook to spare.
 */
export function threadedLogSink(
  target: DatabaseTarget,
  { root = process.cwd(), workerFile }: { root?: string; workerFile?: string } = {},
): ThreadedLogSink {
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();

  const settle = (id: number, err: Error | null) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (pending.size === 0) worker?.unref();
    if (err) p.reject(err);
    else p.resolve();
  };
  const failAll = (err: Error) => {
    for (const id of [...pending.keys()]) settle(id, err);
  };

  const start = (): Worker => {
    if (worker) return worker;
    const w = new Worker(workerFile ? pathToFileURL(workerFile) : sourceWorkerScript(root), {
      eval: !workerFile,
      workerData: { target },
      name: "detour log sink",
      // Its own flags only: the parent's (a test runner's, --cpu-prof) are not meant for it.
      execArgv: [],
    });
    w.on("message", (reply: SinkReply) => {
      if (reply.ok) settle(reply.id, null);
      else settle(reply.id, Object.assign(new Error(reply.error.message), { name: reply.error.name, code: reply.error.code }));
    });
    w.on("error", (err) => {
      if (worker === w) worker = null;
      failAll(err);
    });
    w.on("exit", (code) => {
      if (worker === w) worker = null;
      failAll(new Error(`the log sink's thread exited (code ${code})`));
    });
    w.unref();
    worker = w;
    return w;
  };

  const call = (request: { op: "write"; records: readonly LogRecord[] } | { op: "close" }) =>
    new Promise<void>((resolve, reject) => {
      const w = start();
      const id = nextId++;
      pending.set(id, { resolve, reject });
      w.ref(); // a write in flight keeps the process alive until it is answered
      w.postMessage({ id, ...request } satisfies SinkRequest);
    });

  return {
    thread: () => worker,
    write: (batch) => (batch.length === 0 ? Promise.resolve() : call({ op: "write", records: batch })),
    close: async () => {
      const w = worker;
      if (!w) return;
      const exited = new Promise<void>((resolve) => w.once("exit", () => resolve()));
      try {
        await call({ op: "close" });
      } finally {
        worker = null;
        // The thread ends by itself once closed. Terminating it while it is inside a native database
        // call would abort the process (better-sqlite3 throwing into a terminating thread), so that
        // is only the way out for a thread that did not end within the bound.
        let timer: NodeJS.Timeout | undefined;
        const bounded = new Promise<"late">((resolve) => {
          timer = setTimeout(() => resolve("late"), CLOSE_BOUND_MS);
        });
        if ((await Promise.race([exited, bounded])) === "late") await w.terminate();
        clearTimeout(timer);
      }
    },
  };
}

/** A script that loads the worker's TypeScript sources under `root` through tsx's CommonJS hook. */
function sourceWorkerScript(root: string): string {
  const tsx = createRequire(path.join(root, "package.json")).resolve("tsx/cjs");
  const entry = path.join(root, LOG_SINK_WORKER_FILE);
  return `require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)});`;
}
