/**
 * Upstream faults the routing and streaming tests do not cover: what the caller and the log see
 * when the fault is the final answer (no fallback left), for JSON and streaming requests; retries
 * on a reset. Fallback over reset, malformed JSON, SSE garbage and mid-stream breaks is covered in
 * routing.test.ts and streaming.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";
import { sseData } from "../../testing/abuse-helpers";

type ErrorBody = { error: { message: string; type: string; param: null; code: string } };

describe("abuse: upstream faults as final answers", () => {
  let h: Harness;
  let vk: string;

  beforeAll(async () => {
    h = await startHarness();
    vk = await h.openaiKey("OpenAI");
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  async function call(stream: boolean, extra: Record<string, string> = {}) {
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": vk, ...extra }),
      body: JSON.stringify(chatBody({ stream })),
    });
    const text = await res.text();
    return { res, text, requestId: res.headers.get("x-portkey-request-id")! };
  }

  /** A clear 502 in OpenAI's error shape, as JSON (never an SSE 200), marked as Detour's verdict, logged with its attempt. */
  async function expectUpstreamError(r: Awaited<ReturnType<typeof call>>, code: string, message: RegExp, errorClass: string) {
    expect(r.res.status).toBe(502);
    expect(r.res.headers.get("content-type")).toContain("application/json");
    expect(r.res.headers.get("x-portkey-gateway-exception")).toBe("true");
    const body = JSON.parse(r.text) as ErrorBody;
    expect(body.error).toMatchObject({ code, type: "server_error", message: expect.stringMatching(message) });
    const log = await h.waitForLog(r.requestId);
    expect(log).toMatchObject({ status: 502, errorType: code, provider: "openai" });
    expect(log.attempts).toEqual([expect.objectContaining({ status: 502, errorClass })]);
  }

  for (const stream of [false, true]) {
    const kind = stream ? "stream" : "JSON";

    it(`${kind}: a connection reset is a 502 upstream_unreachable naming the reset`, async () => {
      h.mock.script({ match: { provider: "openai" }, fault: { kind: "reset" } });
      await expectUpstreamError(await call(stream), "upstream_unreachable", /could not reach openai: ECONNRESET/, "network");
    });

    it(`${kind}: a 200 with a truncated JSON body is a 502 (never a 200 that looks fine)`, async () => {
      h.mock.script({ match: { provider: "openai" }, fault: { kind: "malformed_json" } });
      const r = await call(stream);
      if (stream)
        await expectUpstreamError(
          r,
          "upstream_stream_broken",
          /openai answered 200, but its stream ended before the first content chunk/,
          "stream_broken",
        );
      else
        await expectUpstreamError(
          r,
          "upstream_invalid_json",
          /openai answered 200 with a body that is not a JSON object \(\d+ bytes, starting "\{/,
          "invalid_json",
        );
    });
  }

  it("stream: SSE garbage (data lines that are not JSON, no [DONE]) is a 502 that says so", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "sse_garbage" } });
    await expectUpstreamError(
      await call(true),
      "upstream_stream_broken",
      /ended before the first content chunk \(3 data lines were not JSON\)/,
      "stream_broken",
    );
  });

  it("stream: 200 headers then a closed connection is a 502, not an empty 200 stream", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "stream_break_before_first_chunk" } });
    await expectUpstreamError(await call(true), "upstream_stream_broken", /openai answered 200, but its stream/, "stream_broken");
  });

  it("stream: a break after content ends the 200 stream with an SSE error event and is logged as broken", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "stream_break_after_chunks", chunks: 1 } });
    const r = await call(true);
    expect(r.res.status).toBe(200);
    const last = JSON.parse(sseData(r.text).at(-1)!) as ErrorBody;
    expect(last.error).toMatchObject({ code: "upstream_stream_broken", type: "server_error" });
    expect(r.text).not.toContain("[DONE]");
    const log = await h.waitForLog(r.requestId);
    expect(log).toMatchObject({ status: 200, errorType: "upstream_stream_broken" });
    expect(log.responseBody).toContain("upstream_stream_broken");
  });

  it("a reset is retried when the config retries, and the retry is logged", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "reset" }, times: 1 });
    const r = await call(true, { "x-portkey-config": JSON.stringify({ retry: { attempts: 2 }, virtual_key: vk }) });
    expect(r.res.status).toBe(200);
    expect(sseData(r.text).at(-1)).toBe("[DONE]");
    expect(r.res.headers.get("x-portkey-retry-attempt-count")).toBe("1");
    const log = await h.waitForLog(r.requestId);
    expect(log.attempts.map((a) => [a.retry, a.status, a.errorClass])).toEqual([
      [0, 502, "network"],
      [1, 200, null],
    ]);
  });

  it("with on_status_codes [429], a reset is returned at once (no fallback), as the config says", async () => {
    const other = await h.azureKey("Azure");
    const config = { strategy: { mode: "fallback", on_status_codes: [429] }, targets: [{ virtual_key: vk }, { virtual_key: other }] };
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "reset" } });
    const r = await call(false, { "x-portkey-config": JSON.stringify(config) });
    expect(r.res.status).toBe(502);
    expect(h.mock.requests({ provider: "azure" })).toHaveLength(0);
  });

  it("the server is healthy after every fault", async () => {
    expect((await fetch(`${h.url}/api/health`)).status).toBe(200);
    const r = await call(true);
    expect(sseData(r.text).at(-1)).toBe("[DONE]");
  });
});
