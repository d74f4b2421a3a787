/** Detour's own log lines (pino, JSON to stdout). Never log provider keys or request secrets. */
import pino from "pino";
import { getRuntime } from "./runtime";

const rt = getRuntime();
rt.logger ??= pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { app: "detour" },
  redact: {
    paths: ["key", "apiKey", "api_key", "authorization", "*.authorization", "*.api_key", "*.key", "password"],
    censor: "[redacted]",
  },
});
/** The process's one logger (kept in the runtime: every copy of this module logs through it). */
export const logger: pino.Logger = rt.logger;

/** An error as a log field: name, message and stack for an Error, else its text. */
export function errorDetail(err: unknown): { name: string; message: string; stack?: string } | string {
  return err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err);
}
