import { afterEach, describe, expect, it } from "vitest";
import type { BudgetAlerts } from "./budgets/alerts";
import type { Db } from "./db";
import type { LogWriter } from "./logs/log-writer";
import { getRuntime } from "./runtime";
import { stopServerProcess } from "./server-start";
import type { LogSink } from "./store/log-sink";

describe("the shutdown sequence", () => {
  afterEach(() => {
    const rt = getRuntime();
    Object.assign(rt, { stopping: false, logWriter: undefined, logSink: undefined, db: undefined, budgetAlerts: undefined });
  });

  it("closes the log writer first, then the budget alerts (2 s), then the connections; bounded, never rejects", async () => {
    const steps: string[] = [];
    const rt = getRuntime();
    rt.logWriter = {
      close: async (ms: number) => {
        steps.push(`writer ${ms} stopping=${rt.stopping}`);
        return true;
      },
    } as unknown as LogWriter;
    // The alerts come after the writer: its last settles may still raise some.
    rt.budgetAlerts = {
      close: async (ms: number) => {
        steps.push(`alerts ${ms}`);
      },
    } as unknown as BudgetAlerts;
    // A database that never answers: the sequence still ends, about 1 s later.
    rt.db = { $disconnect: () => new Promise(() => steps.push("db")) } as unknown as Db;
    rt.logSink = {
      close: async () => {
        steps.push("sink");
        throw new Error("already closed");
      },
    } as unknown as LogSink;
    const started = performance.now();
    await expect(stopServerProcess(5_000)).resolves.toBeUndefined();
    const ms = performance.now() - started;
    expect(steps).toEqual(["writer 5000 stopping=true", "alerts 2000", "db", "sink"]);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(3_000);
  });
});
