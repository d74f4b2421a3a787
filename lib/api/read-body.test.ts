import { describe, expect, it } from "vitest";
import { DetourError } from "../errors";
import { readBodyWithin } from "./read-body";

const KiB = 1024;

/** A body of `chunks` x 1 KiB that records how many were pulled and whether it was cancelled. */
function source(chunks: number) {
  const seen = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (seen.pulled === chunks) return controller.close();
        seen.pulled++;
        controller.enqueue(new Uint8Array(KiB));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, seen };
}

const post = (body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
  new Request("http://x/", { method: "POST", body, headers, duplex: "half" } as RequestInit);

describe("readBodyWithin", () => {
  it("refuses a declared length over the limit before reading a byte", async () => {
    const { stream, seen } = source(100_000);
    const err = await readBodyWithin(post(stream, { "content-length": String(100_000 * KiB) }), 64 * KiB).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DetourError);
    expect(err).toMatchObject({ status: 413, code: "payload_too_large" });
    expect(seen.pulled).toBe(0);
  });

  it("counts an undeclared body and stops at the first chunk past the limit, reading no further", async () => {
    const { stream, seen } = source(100_000);
    const err = await readBodyWithin(post(stream), 64 * KiB).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 413 });
    expect((err as Error).message).toContain("65536 bytes");
    expect(seen.pulled).toBe(65);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.pulled).toBe(65);
  });

  it("returns a body within the limit whole", async () => {
    const { stream } = source(64);
    expect((await readBodyWithin(post(stream), 64 * KiB)).length).toBe(64 * KiB);
  });
});
