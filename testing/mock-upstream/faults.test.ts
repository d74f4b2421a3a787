import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Client } from "undici";
import { startMockUpstream, type MockUpstream } from "./server";
import { azure, AZURE_KEY, causeCode, chatBody, openai, OPENAI_KEY, readBody, sseData, sseJson } from "./testing";

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

const streamBody = chatBody("Tell me a story", { stream: true });

describe("status faults", () => {
  it("429 on OpenAI: error body, retry headers, then expires after `times`", async () => {
    mock.script({ fault: { kind: "status", status: 429, retryAfterSeconds: 2, retryAfterMs: 1500 }, times: 1 });
    const res = await openai(mock.url, "chat/completions", chatBody("x"));
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(res.headers.get("retry-after-ms")).toBe("1500");
    const { error } = await res.json();
    expect(error).toMatchObject({ type: "requests", code: "rate_limit_exceeded", param: null });
    expect(error.message).toMatch(/^Rate limit reached for gpt-4o-mini .* Please try again in 1500ms\./);
    expect((await openai(mock.url, "chat/completions", chatBody("x"))).status).toBe(200);
    expect(mock.requests().map((r) => [r.fault, r.status])).toEqual([
      ["status", 429],
      [undefined, 200],
    ]);
  });

  it("500 / 503 on OpenAI use OpenAI's server_error messages", async () => {
    mock.script({ fault: { kind: "status", status: 503 }, times: 1 });
    mock.script({ fault: { kind: "status", status: 500 }, times: 1 });
    const r503 = await openai(mock.url, "chat/completions", chatBody("x"));
    expect(r503.status).toBe(503);
    expect(await r503.json()).toEqual({
      error: { message: "The server is overloaded or not ready yet.", type: "server_error", param: null, code: null },
    });
    const r500 = await openai(mock.url, "chat/completions", chatBody("x"));
    expect((await r500.json()).error).toMatchObject({ type: "server_error", message: expect.stringMatching(/had an error/) });
  });

  it("429 on Azure: Azure body and x-ms-retry-after-ms; custom bodies are sent verbatim", async () => {
    mock.script({ match: { provider: "azure" }, fault: { kind: "status", status: 429, retryAfterMs: 800 }, times: 1 });
    const res = await azure(mock.url, "dep", "chat/completions", chatBody("x"));
    expect(res.status).toBe(429);
    expect(res.headers.get("x-ms-retry-after-ms")).toBe("800");
    const { error } = await res.json();
    expect(error.code).toBe("429");
    expect(error.message).toMatch(/^Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21/);

    const body = { error: { message: "quota", type: "insufficient_quota", param: null, code: "insufficient_quota" } };
    mock.script({ fault: { kind: "status", status: 429, body }, times: 1 });
    expect(await (await openai(mock.url, "embeddings", { model: "e", input: "x" })).json()).toEqual(body);
  });
});

describe("redirect faults", () => {
  it("answers a redirect with a location (default 302 to redirected.invalid + the request's path), once per rule use", async () => {
    mock.script({ fault: { kind: "redirect" }, times: 1 });
    const res = await openai(mock.url, "chat/completions", chatBody("x"), undefined, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("http://redirected.invalid/v1/chat/completions");
    expect(res.headers.get("content-type")).toBe("text/html");
    expect(await res.text()).toContain('href="http://redirected.invalid/v1/chat/completions"');
    expect((await openai(mock.url, "chat/completions", chatBody("x"))).status).toBe(200);
    expect(mock.requests().map((r) => [r.fault, r.status])).toEqual([
      ["redirect", 302],
      [undefined, 200],
    ]);
  });

  it.each([301, 303, 307, 308])("sends status %i with the location given, on Azure too", async (status) => {
    mock.script({ fault: { kind: "redirect", status: status as 301, location: "https://collector.example/steal" } });
    const res = await azure(mock.url, "dep", "chat/completions", chatBody("x"), undefined, { redirect: "manual" });
    expect(res.status).toBe(status);
    expect(res.headers.get("location")).toBe("https://collector.example/steal");
  });

  it("refuses a redirect rule with another status or an empty location", () => {
    expect(() => mock.script({ fault: { kind: "redirect", status: 200 as 301 } })).toThrow(
      /redirect status must be one of 301, 302, 303, 307, 308/,
    );
    expect(() => mock.script({ fault: { kind: "redirect", location: "" } })).toThrow(/location must be a non-empty string/);
  });
});

describe("connection faults", () => {
  it("hang: no answer until the client aborts, recorded as aborted", async () => {
    mock.script({ fault: { kind: "hang" } });
    const ac = new AbortController();
    const pending = openai(mock.url, "chat/completions", chatBody("x"), undefined, { signal: ac.signal });
    const seen = await mock.waitForRequest({ fault: "hang" }, { settled: false });
    expect(seen.settled).toBe(false);
    ac.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    const rec = await mock.waitForRequest({ fault: "hang" });
    expect(rec).toMatchObject({ aborted: true, settled: true });
    expect(rec.status).toBeUndefined();
  });

  it("hang: released when the server closes", async () => {
    const other = await startMockUpstream();
    other.script({ fault: { kind: "hang" } });
    const pending = openai(other.url, "chat/completions", chatBody("x"));
    await other.waitForRequest({ fault: "hang" }, { settled: false });
    await other.close();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(await other.waitForRequest({ fault: "hang" })).toMatchObject({ settled: true, aborted: false });
  });

  it("delay: answers normally after ms; a client abort during the delay is recorded", async () => {
    mock.script({ fault: { kind: "delay", ms: 60 }, times: 1 });
    const started = performance.now();
    const res = await openai(mock.url, "chat/completions", chatBody("slow"));
    expect(performance.now() - started).toBeGreaterThanOrEqual(58);
    expect((await res.json()).choices[0].message.content).toMatch(/to: slow$/);

    mock.script({ fault: { kind: "delay", ms: 10_000 }, times: 1 });
    const ac = new AbortController();
    const pending = openai(mock.url, "chat/completions", chatBody("x"), "sk-gone", { signal: ac.signal });
    await mock.waitForRequest({ key: "sk-gone" }, { settled: false });
    ac.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    expect(await mock.waitForRequest({ key: "sk-gone" })).toMatchObject({ fault: "delay", aborted: true });
    expect(mock.requests()[0]).toMatchObject({ fault: "delay", status: 200, aborted: false });
  });

  it("reset: the socket is reset without a response", async () => {
    mock.script({ fault: { kind: "reset" }, times: 1 });
    const err = await openai(mock.url, "chat/completions", chatBody("x")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(causeCode(err)).toBe("ECONNRESET");
    const rec = await mock.waitForRequest({ fault: "reset" });
    expect(rec).toMatchObject({ aborted: false });
    expect(rec.status).toBeUndefined();
  });
});

describe("stream faults", () => {
  it("stream_break_before_first_chunk: 200 SSE headers, then the connection drops", async () => {
    mock.script({ fault: { kind: "stream_break_before_first_chunk" } });
    const res = await openai(mock.url, "chat/completions", streamBody);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const read = await readBody(res);
    expect(read.text).toBe("");
    expect(causeCode(read.error)).toBe("UND_ERR_SOCKET");
  });

  it("stream_break_after_chunks: role chunk + N content chunks, then the connection drops", async () => {
    mock.script({ fault: { kind: "stream_break_after_chunks", chunks: 2 } });
    const read = await readBody(await openai(mock.url, "chat/completions", streamBody));
    expect(read.error).toBeDefined();
    const chunks = sseJson(read.text);
    expect(chunks).toHaveLength(3);
    expect(chunks[0]!.choices[0].delta.role).toBe("assistant");
    expect(chunks.slice(1).every((c) => typeof c.choices[0].delta.content === "string")).toBe(true);
    expect(read.text).not.toContain("[DONE]");

    const az = await readBody(await azure(mock.url, "dep", "chat/completions", { ...streamBody, model: undefined }));
    expect(sseJson(az.text).map((c) => c.choices.length)).toEqual([0, 1, 1, 1]);
    expect(az.error).toBeDefined();
    expect(mock.requests().map((r) => [r.status, r.aborted])).toEqual([
      [200, false],
      [200, false],
    ]);
  });

  it("stream_break_after_role_chunk (OpenAI): exactly the role chunk OpenAI opens with, then the connection drops", async () => {
    mock.script({ fault: { kind: "stream_break_after_role_chunk" } });
    const res = await openai(mock.url, "chat/completions", { ...streamBody, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const read = await readBody(res);
    expect(causeCode(read.error)).toBe("UND_ERR_SOCKET");
    const chunks = sseJson(read.text);
    expect(chunks).toHaveLength(1);
    expect(Object.keys(chunks[0]!)).toEqual([
      "id",
      "object",
      "created",
      "model",
      "service_tier",
      "system_fingerprint",
      "choices",
      "usage",
      "obfuscation",
    ]);
    expect(chunks[0]).toMatchObject({ object: "chat.completion.chunk", model: "gpt-4o-mini", service_tier: "default", usage: null });
    expect(chunks[0]!.id).toMatch(/^chatcmpl-/);
    expect(chunks[0]!.choices).toEqual([
      { index: 0, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null },
    ]);
    expect(read.text).not.toContain("[DONE]");
    expect(mock.requests()[0]).toMatchObject({ fault: "stream_break_after_role_chunk", status: 200, aborted: false, settled: true });
  });

  it("stream_break_after_role_chunk (Azure): prompt_filter_results, then the role chunk, then the connection drops", async () => {
    mock.script({ match: { provider: "azure" }, fault: { kind: "stream_break_after_role_chunk" } });
    const read = await readBody(await azure(mock.url, "dep", "chat/completions", { ...streamBody, model: undefined }));
    expect(read.error).toBeDefined();
    const chunks = sseJson(read.text);
    expect(chunks).toHaveLength(2);
    expect(chunks[0]).toMatchObject({
      choices: [],
      id: "",
      model: "",
      object: "",
      created: 0,
      prompt_filter_results: [{ prompt_index: 0 }],
    });
    expect(chunks[1]!.choices).toEqual([
      {
        index: 0,
        delta: { role: "assistant", content: "", refusal: null },
        logprobs: null,
        finish_reason: null,
        content_filter_results: {},
      },
    ]);
    expect(chunks[1]).not.toHaveProperty("obfuscation");
  });

  it("stream_break_after_role_chunk on completions (no role chunk there) and without streaming", async () => {
    mock.script({ fault: { kind: "stream_break_after_role_chunk" } });
    const body = { prompt: "Hi", stream: true };
    const az = await readBody(await azure(mock.url, "instruct", "completions", body));
    expect(sseJson(az.text).map((c) => [c.choices.length, c.prompt_filter_results?.length])).toEqual([[0, 1]]);
    expect(az.error).toBeDefined();
    const oa = await readBody(await openai(mock.url, "completions", { ...body, model: "gpt-3.5-turbo-instruct" }));
    expect(oa).toMatchObject({ text: "", error: expect.anything() });
    const plain = await openai(mock.url, "chat/completions", chatBody("x"));
    expect(plain.headers.get("content-type")).toBe("application/json");
    expect(await readBody(plain)).toMatchObject({ text: "", error: expect.anything() });
  });

  it("malformed_json: 200 application/json with a body that does not parse", async () => {
    mock.script({ fault: { kind: "malformed_json" } });
    const res = await openai(mock.url, "chat/completions", chatBody("x"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const text = await res.text();
    expect(text.startsWith('{"id":"chatcmpl-')).toBe(true);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
  });

  it("sse_garbage: event-stream of non-JSON data lines that ends without [DONE]", async () => {
    mock.script({ fault: { kind: "sse_garbage" } });
    const res = await openai(mock.url, "chat/completions", streamBody);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const data = sseData(await res.text());
    expect(data.length).toBeGreaterThanOrEqual(2);
    for (const d of data) expect(() => JSON.parse(d)).toThrow();
  });

  it("echo_key: a 200 JSON answer that carries the request's key (OpenAI and Azure)", async () => {
    mock.script({ fault: { kind: "echo_key" }, times: 2 });
    const res = await openai(mock.url, "chat/completions", chatBody("x"));
    expect(res.status).toBe(200);
    const answer = await res.json();
    expect(answer.echo).toEqual({ api_key: OPENAI_KEY });
    expect(answer.choices[0].message.content).toContain(`Your key is ${OPENAI_KEY}.`);
    const az = await (await azure(mock.url, "dep", "completions", { prompt: "x", max_tokens: 5 })).json();
    expect(az.echo).toEqual({ api_key: AZURE_KEY });
    expect(az.choices[0].text).toContain(AZURE_KEY);
    expect(mock.requests().map((r) => [r.fault, r.status])).toEqual([
      ["echo_key", 200],
      ["echo_key", 200],
    ]);
  });

  it("echo_key (stream): role chunk, one content chunk, then an error event holding the key, then the end", async () => {
    const key = 'sk-echo-"quoted"\\-key-0001';
    mock.script({ fault: { kind: "echo_key" }, times: 1 });
    const res = await openai(mock.url, "chat/completions", streamBody, key);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const { text, error } = await readBody(res);
    expect(error).toBeUndefined();
    const events = sseJson(text);
    expect(events[0]!.choices[0].delta).toMatchObject({ role: "assistant" });
    expect(events.at(-2)!.choices[0].delta.content).toBeTruthy();
    expect(events.at(-1)).toEqual({
      error: { message: `Incorrect API key provided: ${key}.`, type: "invalid_request_error", param: null, code: "invalid_api_key" },
    });
    expect(sseData(text)).not.toContain("[DONE]");
  });

  it("slow_chunks: chunks arrive delayMs apart; aborting mid-stream is recorded", async () => {
    mock.script({ fault: { kind: "slow_chunks", delayMs: 15 }, times: 1 });
    const started = performance.now();
    const read = await readBody(await openai(mock.url, "chat/completions", streamBody));
    expect(read.error).toBeUndefined();
    expect(sseData(read.text)).toHaveLength(8); // role + 5 content + stop + [DONE]
    expect(read.arrivals.length).toBeGreaterThanOrEqual(7);
    expect(read.arrivals.at(-1)! - started).toBeGreaterThanOrEqual(7 * 15 - 2);

    mock.script({ fault: { kind: "slow_chunks", delayMs: 1000 }, times: 1 });
    const ac = new AbortController();
    const res = await openai(mock.url, "chat/completions", streamBody, "sk-gone", { signal: ac.signal });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('"role":"assistant"');
    ac.abort();
    const rec = await mock.waitForRequest({ key: "sk-gone" });
    expect(rec).toMatchObject({ fault: "slow_chunks", status: 200, aborted: true });
    expect(mock.requests()[0]).toMatchObject({ fault: "slow_chunks", aborted: false });
  });

  it("late_end: every event at once, then the body's end `ms` later, on a connection kept alive", async () => {
    mock.script({ fault: { kind: "late_end", ms: 400 }, times: 1 });
    // One connection: a second request comes on it unless the first's closed it.
    const client = new Client(mock.url);
    try {
      const post = () =>
        client.request({
          method: "POST",
          path: "/v1/chat/completions",
          headers: { "content-type": "application/json", authorization: `Bearer ${OPENAI_KEY}` },
          body: JSON.stringify(streamBody),
        });
      const res = await post();
      let text = "";
      let firstAt = 0;
      for await (const chunk of res.body) {
        firstAt ||= performance.now();
        text += chunk.toString();
      }
      // The events come in the first write; the body's end only after the delay.
      expect(sseData(text).at(-1)).toBe("[DONE]");
      expect(performance.now() - firstAt).toBeGreaterThan(200);
      await (await post()).body.text();
      const [late, next] = mock.requests();
      expect(late).toMatchObject({ fault: "late_end", status: 200, aborted: false });
      expect(next!.connection).toBe(late!.connection);
      // Another connection (fetch's own pool) gets another number.
      await (await openai(mock.url, "chat/completions", chatBody("x"))).text();
      expect(mock.requests()[2]!.connection).toBeGreaterThan(late!.connection);
    } finally {
      await client.close();
    }
  });
});

describe("stream faults on non-streaming requests", () => {
  it("break faults cut the JSON body; slow_chunks trickles an intact body", async () => {
    mock.script({ fault: { kind: "stream_break_after_chunks", chunks: 1 }, times: 1 });
    const cut = await openai(mock.url, "chat/completions", chatBody("x"));
    expect(cut.headers.get("content-type")).toBe("application/json");
    const read = await readBody(cut);
    expect(read.text.startsWith('{"id":"chatcmpl-')).toBe(true);
    expect(read.error).toBeDefined();

    mock.script({ fault: { kind: "stream_break_before_first_chunk" }, times: 1 });
    const none = await readBody(await openai(mock.url, "chat/completions", chatBody("x")));
    expect(none).toMatchObject({ text: "", error: expect.anything() });

    mock.script({ fault: { kind: "slow_chunks", delayMs: 10 }, times: 1 });
    const started = performance.now();
    const slow = await openai(mock.url, "chat/completions", chatBody("x"));
    expect((await slow.json()).choices[0].message.content).toMatch(/to: x$/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(4 * 10 - 2);
  });
});

describe("rule matching", () => {
  it("matches on provider, key, deployment, path and stream, in insertion order", async () => {
    mock.script({ match: { key: "sk-a", stream: true }, fault: { kind: "status", status: 502 } });
    mock.script({ match: { key: "sk-a" }, fault: { kind: "status", status: 500 } });
    mock.script({ match: { provider: "azure", deployment: "east", path: "embeddings" }, fault: { kind: "status", status: 503 } });
    const statuses = [
      (await openai(mock.url, "chat/completions", streamBody, "sk-a")).status,
      (await openai(mock.url, "chat/completions", chatBody("x"), "sk-a")).status,
      (await openai(mock.url, "chat/completions", chatBody("x"), "sk-b")).status,
      (await azure(mock.url, "east", "embeddings", { input: "x" })).status,
      (await azure(mock.url, "west", "embeddings", { input: "x" })).status,
      (await azure(mock.url, "east", "chat/completions", chatBody("x"))).status,
    ];
    expect(statuses).toEqual([502, 500, 200, 503, 200, 200]);
  });

  it("probability uses the seeded PRNG: same seed, same sequence", async () => {
    const run = async (seed: number) => {
      const m = await startMockUpstream({ seed });
      m.script({ fault: { kind: "status", status: 500 }, probability: 0.5 });
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await openai(m.url, "embeddings", { model: "e", input: "x" })).status);
      await m.close();
      return out;
    };
    const a = await run(42);
    expect(await run(42)).toEqual(a);
    const failures = a.filter((s) => s === 500).length;
    expect(failures).toBeGreaterThan(2);
    expect(failures).toBeLessThan(18);
  });
});
