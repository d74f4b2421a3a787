/**
 * The process-wide request-log writer (lib/logs/log-writer.ts) over the app's database, with its
 * spill directory `<dataDir>/log-spill/` (lib/logs/spill.ts) unless DETOUR_LOG_SPILL_MAX_MB is 0.
 */
import path from "node:path";
import { getEnv } from "../env";
import { logger } from "../logger";
import { getRuntime } from "../runtime";
import { createLogSink } from "../store/log-sink";
import { isPermanentLogWriteError } from "../store/logs";
import { describeError, LogWriter, type LogWriterErrorInfo } from "./log-writer";
import { LogSpill, type LogSpillErrorInfo } from "./spill";
import { SpillFiles } from "./spill-files";

export * from "./log-writer";

function logWriterError(err: unknown, info: LogWriterErrorInfo | LogSpillErrorInfo): void {
  const level = info.kind === "write_failed" || info.kind === "batch_split" || info.kind === "spill_replay_failed" ? "warn" : "error";
  logger[level]({ ...info, error: describeError(err) }, `request log writer: ${info.kind}`);
}

/** The process-wide writer over the app's database (kept in the runtime: shared by every Next.js bundle). */
export function getLogWriter(): LogWriter {
  const rt = getRuntime();
  rt.logWriter ??= createLogWriter();
  return rt.logWriter;
}

/** Creates the writer (its database connection kept in the runtime, closed at shutdown) and starts replaying spill files. */
function createLogWriter(): LogWriter {
  const env = getEnv();
  const rt = getRuntime();
  rt.logSink = createLogSink(env.database, { workerFile: rt.logSinkWorkerFile });
  const write = rt.logSink.write;
  const spill =
    env.DETOUR_LOG_SPILL_MAX_MB > 0
      ? new LogSpill({
          files: new SpillFiles({ dir: path.join(env.dataDir, "log-spill") }),
          maxBytes: env.DETOUR_LOG_SPILL_MAX_MB * 1024 * 1024,
          write,
          isPermanentError: isPermanentLogWriteError,
          onError: logWriterError,
        })
      : undefined;
  const writer = new LogWriter({
    write,
    spill,
    spillHighWater: env.DETOUR_LOG_SPILL_HIGH_WATER,
    isPermanentError: isPermanentLogWriteError,
    onError: logWriterError,
  });
  spill?.start();
  return writer;
}
