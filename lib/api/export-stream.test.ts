/**
 * The paged export stream over real Web streams: pages are read only as the reader takes them
 * (backpressure), the first page before the stream exists, none after a cancel, and a page that
 * fails errors the stream (the reader sees an error, not an end).
 */
import { describe, expect, it } from "vitest";
import { pagedExportStream, fileTimestamp } from "./export-stream";

/** Pages of n numbers each, up to `pages`; records each cursor read. */
function numbers(pages: number, n = 3, failAt?: number) {
  const reads: (number | null)[] = [];
  return {
    reads,
    spec: {
      what: "test export",
      head: "n\n",
      encode: (rows: number[]) => rows.map((r) => `${r}\n`).join(""),
      async readPage(cursor: number | null) {
        reads.push(cursor);
        const page = cursor ?? 0;
        if (page === failAt) throw new Error("database went away");
        const rows = Array.from({ length: n }, (_, i) => page * n + i);
        return { rows, next: page + 1 < pages ? page + 1 : null };
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
    expect(reads).toEqual([null, 1, 2, 3]);
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
    const { spec } = numbers(5, 2, 2);
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

describe("fileTimestamp", () => {
  it("is an ISO time without colons or milliseconds", () => {
    expect(fileTimestamp(new Date("2026-01-31T12:34:56.789Z"))).toBe("2026-01-31T12-34-56Z");
  });
});
