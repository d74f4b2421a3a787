/**
 * The paged export stream over real Web streams: pages are read only as the reader takes them
 * (backpressure), the first page before the stream exists, none after a cancel, and a page that
 * fails errors the stream (the reader sees an error, not an end). The pacing on a fake clock and
 * a fake count of inference requests in flight: smaller pages and pauses only while inference is
 * in flight, the same bytes whatever the page sizes, and always progress.
 */
import { describe, expect, it } from "vitest";
import { EXPORT_PACING, type ExportPacing, pagedExportStream, fileTimestamp } from "./export-stream";

/** `pages` x `n` numbers, `n` a page at full size; the cursor is the next number; records each read. */
function numbers(pages: number, n = 3, failAt?: number) {
  const reads: (number | null)[] = [];
  const total = pages * n;
  return {
    reads,
    spec: {
      what: "test export",
      head: "n\n",
      pageRows: n,
      encode: (rows: number[]) => rows.map((r) => `${r}\n`).join(""),
      async readPage(cursor: number | null, limit: number) {
        reads.push(cursor);
        const from = cursor ?? 0;
        if (from === failAt) throw new Error("database went away");
        const rows = Array.from({ length: Math.min(limit, total - from) }, (_, i) => from + i);
        return { rows, next: from + rows.length < total ? from + rows.length : null };
      },
    },
  };
}

const decoder = new TextDecoder();

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let out = "";
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out += decoder.decode(value);
  }
}

const turn = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("pagedExportStream", () => {
  it("streams the head and every page in order", async () => {
    const { spec, reads } = numbers(4);
    const text = await readAll(await pagedExportStream(spec));
    expect(text).toBe(`n\n${Array.from({ length: 12 }, (_, i) => `${i}\n`).join("")}`);
    expect(reads).toEqual([null, 3, 6, 9]);
  });

  it("reads the first page before it returns, and the next only when the reader takes one", async () => {
    const { spec, reads } = numbers(10);
    const stream = await pagedExportStream(spec);
    expect(reads).toEqual([null]);
    const reader = stream.getReader();
    await turn();
    // The queue holds one chunk (page 0); the stream may fill one more slot, not read ahead further.
    expect(reads.length).toBeLessThanOrEqual(2);
    await reader.read();
    await turn();
    expect(reads.length).toBeLessThanOrEqual(3);
    await reader.cancel();
  });

  it("reads no page after the reader cancels", async () => {
    const { spec, reads } = numbers(1000);
    const stream = await pagedExportStream(spec);
    const reader = stream.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    const after = reads.length;
    await turn();
    await turn();
    expect(reads.length).toBe(after);
    expect(after).toBeLessThan(5);
  });

  it("a page that fails errors the stream after the pages before it", async () => {
    const { spec } = numbers(5, 2, 4);
    const stream = await pagedExportStream(spec);
    const reader = stream.getReader();
    const got: string[] = [];
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          got.push(decoder.decode(value));
        }
      })(),
    ).rejects.toThrow("database went away");
    expect(got.join("")).toBe("n\n0\n1\n2\n3\n");
  });

  it("a first page that fails is the caller's error: no stream", async () => {
    const { spec } = numbers(5, 2, 0);
    await expect(pagedExportStream(spec)).rejects.toThrow("database went away");
  });

  it("an empty result is the head alone", async () => {
    const spec = { ...numbers(1).spec, readPage: async () => ({ rows: [] as number[], next: null }) };
    expect(await readAll(await pagedExportStream(spec))).toBe("n\n");
  });
});

/**
 * A store where each row costs `msPerRow` on a fake clock, and pacing whose in-flight count is
 * `busy(read)` (the read's index). Records each read's size, and each pause with the read it came before.
 */
function paced(rows: number, msPerRow: number, busy: (read: number) => boolean) {
  let clock = 0;
  const sizes: number[] = [];
  const pauses: { before: number; ms: number }[] = [];
  const { spec } = numbers(1, rows);
  const pacing: ExportPacing = {
    ...EXPORT_PACING,
    inFlight: () => (busy(sizes.length) ? 3 : 0),
    now: () => clock,
    sleep: async (ms) => {
      pauses.push({ before: sizes.length, ms });
      clock += ms;
    },
  };
  const full = 1000;
  const store = {
    ...spec,
    pageRows: full,
    async readPage(cursor: number | null, limit: number) {
      sizes.push(limit);
      const page = await spec.readPage(cursor, limit);
      clock += page.rows.length * msPerRow;
      return page;
    },
  };
  return { store, pacing, sizes, pauses, full };
}

const allNumbers = (n: number) => `n\n${Array.from({ length: n }, (_, i) => `${i}\n`).join("")}`;

describe("pagedExportStream pacing", () => {
  it("without inference in flight: full pages, no pause", async () => {
    const { store, pacing, sizes, pauses, full } = paced(5500, 0.1, () => false);
    expect(await readAll(await pagedExportStream(store, pacing))).toBe(allNumbers(5500));
    expect(sizes).toEqual([full, full, full, full, full, full]);
    expect(pauses).toEqual([]);
  });

  it("with inference in flight: pages of about sliceMs and a pause of (1/share - 1) x each, the same bytes", async () => {
    const { store, pacing, sizes, pauses } = paced(3000, 0.1, () => true);
    expect(await readAll(await pagedExportStream(store, pacing))).toBe(allNumbers(3000));
    // No pace known yet: the smallest page; then sliceMs / 0.1 ms per row.
    expect(sizes[0]).toBe(EXPORT_PACING.minRows);
    expect(new Set(sizes.slice(1))).toEqual(new Set([EXPORT_PACING.sliceMs / 0.1]));
    expect(pauses).toHaveLength(sizes.length - 1);
    for (const { ms, before } of pauses.slice(1)) {
      expect(ms).toBeCloseTo(EXPORT_PACING.sliceMs * (1 / EXPORT_PACING.share - 1), 6);
      expect(before).toBeGreaterThan(0);
    }
  });

  it("pages shrink and pauses happen only while inference is in flight", async () => {
    // In flight from the 3rd read to the 9th.
    const busy = (read: number) => read >= 2 && read < 9;
    const { store, pacing, sizes, pauses, full } = paced(20_000, 0.05, busy);
    expect(await readAll(await pagedExportStream(store, pacing))).toBe(allNumbers(20_000));
    expect(sizes.slice(0, 2)).toEqual([full, full]);
    expect(sizes.slice(2, 9)).toEqual(Array(7).fill(EXPORT_PACING.sliceMs / 0.05));
    expect(sizes.slice(9).every((n) => n === full)).toBe(true);
    expect(pauses.map((p) => p.before)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    // The first pause follows a full page (50 ms): (1/share - 1) x 50 ms, within the bound.
    expect(pauses[0]!.ms).toBeCloseTo(Math.min(EXPORT_PACING.maxPauseMs, 50 * (1 / EXPORT_PACING.share - 1)), 6);
  });

  it("never stalls: a slow store still gets minRows a page and pauses of at most maxPauseMs", async () => {
    const { store, pacing, sizes, pauses } = paced(400, 40, () => true);
    expect(await readAll(await pagedExportStream(store, pacing))).toBe(allNumbers(400));
    expect(sizes.every((n) => n === EXPORT_PACING.minRows)).toBe(true);
    expect(pauses.every((p) => p.ms === EXPORT_PACING.maxPauseMs)).toBe(true);
    expect(EXPORT_PACING.maxPauseMs).toBeLessThan(1000);
  });
});

describe("fileTimestamp", () => {
  it("is an ISO time without colons or milliseconds", () => {
    expect(fileTimestamp(new Date("2026-01-31T12:34:56.789Z"))).toBe("2026-01-31T12-34-56Z");
  });
});
