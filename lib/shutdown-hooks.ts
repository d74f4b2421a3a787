/**
 * The process's shutdown hooks: nothing queued is lost when the process ends gracefully. Detour
 * installs them once at start with the runtime's shutdown order as `close` (lib/server-start.ts);
 * a LogWriter can install them for itself alone (tests).
 */

/** What installShutdownHooks needs from `process` (a fake in tests). */
export type ShutdownProcess = {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  listenerCount(event: string): number;
  exit(code?: number | string | null): void;
};

/** What the hooks drive: the request-log writer, with `close` standing for the whole shutdown. */
export type ShutdownTarget = {
  /** A signal arrived: write eagerly (records are still accepted). */
  beginShutdown(): void;
  /** Runs before the process exits; must not reject. */
  close(timeoutMs: number): Promise<unknown>;
  flush(timeoutMs: number): Promise<boolean>;
  queued(): number;
  /** The process is exiting now: report what is lost. */
  atExit(): void;
};

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * On SIGTERM/SIGINT only starts writing eagerly: the server (scripts/server.ts) has its own handler that drains
 * in-flight requests (whose logs must still be accepted) and then calls process.exit, which is
 * deferred here until the writer is closed and flushed (at most `timeoutMs`). When nothing else
 * handles the signal, exits with 128 + signal number itself.
 */
export function installShutdownHooks(target: ShutdownTarget, options: { timeoutMs?: number; proc?: ShutdownProcess } = {}): void {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const proc = options.proc ?? process;
  const exit = proc.exit.bind(proc);
  let exiting = false;
  let signalled = false;
  const closeThenExit = (code?: number | string | null): void => {
    if (exiting) return;
    exiting = true;
    void target.close(timeoutMs).then(() => exit(code));
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    proc.on(signal, () => {
      if (signalled) return;
      signalled = true;
      proc.exit = closeThenExit;
      target.beginShutdown();
      // Our listener replaced Node's default (exit on signal): restore it when we are alone.
      if (proc.listenerCount(signal) <= 1) closeThenExit(SIGNAL_EXIT_CODES[signal]);
    });
  }
  let flushedBeforeExit = false;
  proc.on("beforeExit", () => {
    if (flushedBeforeExit || target.queued() === 0) return;
    flushedBeforeExit = true;
    void target.flush(timeoutMs);
  });
  proc.on("exit", () => target.atExit());
}
