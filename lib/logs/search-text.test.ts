import { describe, expect, it } from "vitest";
import { logSearchText, SEARCH_TEXT_LIMITS } from "./search-text";

const chatPath = "/v1/chat/completions";
const text = (requestBody: unknown, responseBody: unknown = null, path = chatPath) =>
  logSearchText({
    path,
    requestBody: requestBody === null || typeof requestBody === "string" ? (requestBody as string | null) : JSON.stringify(requestBody),
    responseBody:
      responseBody === null || typeof responseBody === "string" ? (responseBody as string | null) : JSON.stringify(responseBody),
  });

describe("the text a log's search finds", () => {
  it("takes message contents and output text, not keys, ids, models or roles", () => {
    const got = text(
      {
        model: "gpt-4o",
        messages: [
          { role: "system", content: "You are terse." },
          {
            role: "user",
            content: [
              { type: "text", text: "Name a planet" },
              { type: "image_url", image_url: { url: "https://x/y.png" } },
            ],
          },
        ],
        temperature: 0.2,
      },
      { id: "chatcmpl-123", model: "gpt-4o-2024", choices: [{ index: 0, message: { role: "assistant", content: "Neptune" } }] },
    );
    expect(got).toBe("You are terse.\nName a planet\nNeptune");
  });

  it("reads Responses, Anthropic, completions, embeddings and error bodies", () => {
    expect(
      text({ model: "o4", instructions: "Be kind", input: [{ role: "user", content: [{ type: "input_text", text: "hello" }] }] }),
    ).toBe("Be kind\nhello");
    expect(text({ system: [{ type: "text", text: "sys" }], messages: [{ role: "user", content: "q" }] })).toBe("sys\nq");
    expect(text({ prompt: ["one", "two"] })).toBe("one\ntwo");
    expect(text({ input: "embed me", model: "text-embedding-3-small" }, { data: [{ embedding: [0.1, 0.2] }] })).toBe("embed me");
    expect(text({ messages: [] }, { error: { message: "Rate limit reached", type: "rate_limit", code: "429" } })).toBe(
      "Rate limit reached",
    );
    expect(
      text(null, {
        output: [
          { type: "message", content: [{ type: "output_text", text: "Bonjour" }] },
          { type: "function_call", name: "f", arguments: '{"city":"Paris"}' },
        ],
      }),
    ).toBe('Bonjour\n{"city":"Paris"}');
  });

  it("skips images and files given as data URLs", () => {
    expect(
      text({
        input: [
          { type: "input_image", image_url: "data:image/png;base64,AAAA" },
          { type: "input_text", text: "what is this" },
        ],
      }),
    ).toBe("what is this");
    expect(text({ messages: [{ role: "user", content: "data:image/png;base64,iVBORw0KGgo" }] })).toBeNull();
  });

  it("assembles a streamed answer so a word split over chunks is whole", () => {
    const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;
    expect(text({ messages: [{ role: "user", content: "hi" }] }, `${chunk("drag")}${chunk("on fly")}data: [DONE]\n\n`)).toBe(
      "hi\ndragon fly",
    );
  });

  it("reads the complete text fields of a body cut at the logging limit", () => {
    const cut = JSON.stringify({
      messages: [
        { role: "user", content: 'first "quoted" part' },
        { role: "user", content: "second part is lo" },
      ],
    }).slice(0, -15);
    expect(text(cut)).toBe('first "quoted" part');
  });

  it("is null without bodies or text, and never throws", () => {
    expect(text(null, null)).toBeNull();
    expect(text("not json at all", "{]")).toBeNull();
    expect(text({ model: "gpt-4o" })).toBeNull();
    expect(text("data: nonsense\n\n", "data: {\n\n", chatPath)).toBeNull();
  });

  it("is bounded: the request's start and end, the response's start, cut at spaces", () => {
    const words = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(" ");
    const got = text(
      { messages: [{ role: "user", content: words("q", 5000) }] },
      { choices: [{ message: { content: words("a", 5000) } }] },
    )!;
    const [head, tail, answer] = got.split("\n");
    expect(head!.startsWith("q0 q1 ")).toBe(true);
    expect(head!.length).toBeLessThanOrEqual(SEARCH_TEXT_LIMITS.requestHead);
    expect(tail!.endsWith(" q4999")).toBe(true);
    expect(tail!.length).toBeLessThanOrEqual(SEARCH_TEXT_LIMITS.requestTail);
    expect(answer!.startsWith("a0 a1 ")).toBe(true);
    expect(answer!.length).toBeLessThanOrEqual(SEARCH_TEXT_LIMITS.responseHead);
    for (const part of [head!, tail!, answer!]) expect(part).toMatch(/^[qa]\d+( [qa]\d+)*$/); // whole words only
  });
});
