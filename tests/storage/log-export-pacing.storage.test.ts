/**
 * The log export paced while inference is in flight (lib/api/export-stream.ts) on a real database
 * (SQLite, or PostgreSQL with DETOUR_TEST_DB=postgresql): page sizes that change from page to page
 * lose, repeat or reorder no row. A few thousand logs (pairs sharing a time, costs with ties and
 * nulls, bodies) are exported paced, with small and varying pages, and unpaced (full pages), and
 * the two files must be the same bytes, in each sort and format.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXPORT_PACING, type ExportPacing, pagedExportStream } from "@/lib/api/export-stream";
import { logExportPages, parseLogExportRequest } from "@/lib/api/log-export";
import type { LogRecord } from "@/lib/logs/types";
import { ensureLogPartitions } from "@/lib/store/log-partitions";
import { createLogSink } from "@/lib/store/log-sink";
import { testLogRecord } from "@/testing/sample-log-record";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "../../testing/test-db";

const DAY = 86_400_000;
const NOW = Date.now();
const ROWS = 3000;

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe(`log export paced on ${TEST_DB_KIND}`, () => {
  let t: TestDatabase;
  let workspaceId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    workspaceId = (await t.db.workspace.create({ data: { name: "export", slug: "export" } })).id;
    if (TEST_DB_KIND === "postgresql") await ensureLogPartitions(t.db, { from: new Date(NOW - 4 * DAY), daysAhead: 2 });
    const records: LogRecord[] = [];
    for (let i = 0; i < ROWS; i++) {
      records.push(
        testLogRecord({
          workspaceId,
          createdAt: new Date(NOW - Math.floor(i / 2) * ((3 * DAY) / ROWS)),
          cost: i % 7 === 0 ? null : (i % 13) / 1000,
          latencyMs: (i * 37) % 101,
          requestBody: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: `row ${i}` }] }),
        }),
      );
    }
    const sink = createLogSink(t.target);
    await sink.write(records);
    await sink.close();
  }, 60_000);
  afterAll(async () => t?.drop());

  /** Per row, each page in turn (ms): each page is sized from the last one's pace, so sizes jump between minRows and a full page. */
  const PACES = [0.01, 0.5, 0.07, 2, 0.13, 0.03, 0.9];
  const idle: ExportPacing = { ...EXPORT_PACING, inFlight: () => 0 };

  for (const query of ["format=csv", "format=csv&sort=cost", "format=jsonl&sort=-latency_ms&bodies=true"]) {
    it(`${query}: paced and unpaced exports are the same bytes`, async () => {
      const pages = logExportPages(t.db, workspaceId, parseLogExportRequest(new URLSearchParams(query)));
      // Inference always in flight, on a clock that the pages move by their rows x the pace of their turn.
      let clock = 0;
      const busy: ExportPacing = { ...EXPORT_PACING, inFlight: () => 1, minRows: 7, now: () => clock, sleep: async () => {} };
      const sizes: number[] = [];
      const counted = {
        ...pages,
        async readPage(cursor: Parameters<typeof pages.readPage>[0], limit: number) {
          const page = await pages.readPage(cursor, limit);
          clock += page.rows.length * PACES[sizes.length % PACES.length]!;
          sizes.push(limit);
          return page;
        },
      };
      const unpaced = await text(await pagedExportStream(pages, idle));
      const paced = await text(await pagedExportStream(counted, busy));
      expect(unpaced.trimEnd().split("\n").length).toBe(ROWS + (query.includes("csv") ? 1 : 0));
      expect(paced).toBe(unpaced);
      // The sizes did vary, most below a full page.

      expect(new Set(sizes).size).toBeGreaterThan(3);
      expect(sizes.filter((n) => n < pages.pageRows).length).toBeGreaterThan(sizes.length / 2);
    }, 60_000);
  }
});
