/** A real pino logger whose lines a test reads back (parsed JSON, in order). */
import pino, { type Logger } from "pino";

export type LogLine = { level: number; msg: string } & Record<string, unknown>;

/** pino's numeric levels by name. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

export function captureLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: "debug", base: null }, { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });
  return { log, lines };
}
