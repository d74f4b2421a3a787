/**
 * Log rows are written off the request path in batches, and none is lost on a graceful stop:
 * every answered request has exactly one row after SIGTERM, and the health check shows the queue.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

describe("request-log durability", () => {
  let h: Harness;
  let vk: string;

  beforeAll(async () => {
    h = await startHarness();
    vk = await h.openaiKey("OpenAI");
  });
  afterAll(async () => h?.close());

  it("health reports the log queue with nothing lost", async () => {
    const res = await fetch(`${h.url}/api/health`);
    const health = (await res.json()) as { log_queue: { dropped: number; rejected: number; queued: number } };
    expect(health.log_queue).toMatchObject({ dropped: 0, rejected: 0 });
  });

  it("rows written == requests answered, even when the server is stopped right after", async () => {
    const n = 120;
    const ids = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const res = await fetch(`${h.baseURL}/chat/completions`, {
          method: "POST",
          headers: h.headers({ "x-portkey-virtual-key": vk, "x-portkey-trace-id": `durability-${i}` }),
          body: JSON.stringify(chatBody()),
        });
        await res.arrayBuffer();
        expect(res.status).toBe(200);
        return res.headers.get("x-portkey-request-id")!;
      }),
    );
    await h.server.stop(); // SIGTERM: the writer flushes its queue before the process exits
    expect(h.server.child.exitCode === 0 || h.server.child.signalCode === "SIGTERM" || h.server.child.exitCode === 143).toBe(true);
    const rows = await h.db.requestLog.findMany({ where: { traceId: { startsWith: "durability-" } }, select: { id: true } });
    expect(rows).toHaveLength(n);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(ids));
  });
});
