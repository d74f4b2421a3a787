import { describe, expect, it } from "vitest";
import { answerFacts, inputMessages, operationName, outputMessages, providerName, spanName } from "./genai";

describe("GenAI conventions as Detour fills them", () => {
  it("names operations, providers and spans", () => {
    expect(operationName("chat/completions")).toBe("chat");
    expect(operationName("messages")).toBe("chat");
    expect(operationName("completions")).toBe("text_completion");
    expect(operationName("embeddings")).toBe("embeddings");
    expect(operationName("responses/{id}")).toBe("get_response");
    expect(providerName("azure-openai")).toBe("azure.ai.openai");
    expect(providerName("mistral-ai")).toBe("mistral_ai");
    expect(providerName("openrouter")).toBe("openrouter");
    expect(spanName("chat", "gpt-4o")).toBe("chat gpt-4o");
    expect(spanName("get_response", null)).toBe("get_response");
  });

  it("reads id, model and finish reasons from OpenAI, Anthropic and Responses answers", () => {
    expect(answerFacts({ id: "chatcmpl-1", model: "gpt-4o", choices: [{ finish_reason: "stop" }, { finish_reason: "length" }] })).toEqual({
      responseId: "chatcmpl-1",
      responseModel: "gpt-4o",
      finishReasons: ["stop", "length"],
    });
    expect(answerFacts({ id: "msg_1", model: "claude-sonnet-4-5", stop_reason: "end_turn" }).finishReasons).toEqual(["end_turn"]);
    expect(answerFacts({ id: "resp_1", object: "response", status: "completed" }).finishReasons).toEqual(["completed"]);
    expect(answerFacts({ data: [] })).toEqual({ responseId: null, responseModel: null, finishReasons: null });
  });

  it("builds input and output messages from logged bodies; a cut body has none", () => {
    const anthropic = JSON.stringify({
      system: "Be brief.",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Hi" },
            { type: "image", source: {} },
          ],
        },
      ],
    });
    expect(JSON.parse(inputMessages(anthropic)!)).toEqual([
      { role: "system", parts: [{ type: "text", content: "Be brief." }] },
      { role: "user", parts: [{ type: "text", content: "Hi" }, { type: "image" }] },
    ]);
    expect(JSON.parse(inputMessages(JSON.stringify({ input: "Hello", instructions: "Sys" }))!)).toEqual([
      { role: "system", parts: [{ type: "text", content: "Sys" }] },
      { role: "user", parts: [{ type: "text", content: "Hello" }] },
    ]);
    expect(inputMessages('{"messages":[{"role":"user","content":"cut')).toBeNull();
    expect(inputMessages(JSON.stringify({ input: ["not", "messages"] }))).toBeNull();
    const responses = JSON.stringify({
      output: [{ type: "reasoning" }, { type: "message", content: [{ type: "output_text", text: "Yes" }] }],
    });
    expect(JSON.parse(outputMessages(responses)!)).toEqual([{ role: "assistant", parts: [{ type: "text", content: "Yes" }] }]);
    const message = JSON.stringify({ type: "message", content: [{ type: "text", text: "Ok" }], stop_reason: "end_turn" });
    expect(JSON.parse(outputMessages(message)!)).toEqual([
      { role: "assistant", parts: [{ type: "text", content: "Ok" }], finish_reason: "end_turn" },
    ]);
  });
});
