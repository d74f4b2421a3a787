import { describe, expect, it } from "vitest";
import { replayableBody } from "./replay";

const chat = { method: "POST", path: "/v1/chat/completions", requestBody: '{"model":"gpt-4o","messages":[]}', requestBodyTruncated: false };

describe("replayableBody", () => {
  it("gives the logged body of an inference request back as an object", () => {
    expect(replayableBody(chat)).toEqual({ ok: true, body: { model: "gpt-4o", messages: [] } });
    expect(replayableBody({ ...chat, path: "/v1/responses", requestBody: '{"model":"m","input":"hi","stream":true}' }).ok).toBe(true);
  });

  it("says why when the body was not logged, was cut, or is not a JSON object", () => {
    expect(replayableBody({ ...chat, requestBody: null })).toMatchObject({ ok: false, reason: expect.stringContaining("not logged") });
    expect(replayableBody({ ...chat, requestBodyTruncated: true })).toMatchObject({ ok: false, reason: expect.stringContaining("cut") });
    expect(replayableBody({ ...chat, requestBody: "{" })).toMatchObject({ ok: false, reason: expect.stringContaining("not valid JSON") });
    expect(replayableBody({ ...chat, requestBody: "[1]" })).toMatchObject({
      ok: false,
      reason: expect.stringContaining("not a JSON object"),
    });
  });

  it("refuses calls without a body, and bodies a secret was redacted from", () => {
    expect(replayableBody({ ...chat, method: "GET", path: "/v1/responses/resp_1", requestBody: "" })).toMatchObject({
      ok: false,
      reason: expect.stringContaining("GET /v1/responses/resp_1"),
    });
    expect(replayableBody({ ...chat, requestBody: '{"model":"m","api_key":"[redacted]"}' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining("redacted"),
    });
  });

  it("refuses a Responses follow-up (previous_response_id, conversation), not a first request", () => {
    const follow = { ...chat, path: "/v1/responses", requestBody: '{"model":"m","input":"more","previous_response_id":"resp_1"}' };
    expect(replayableBody(follow)).toMatchObject({ ok: false, reason: expect.stringContaining("previous_response_id") });
    const conv = { ...chat, path: "/v1/responses", requestBody: '{"model":"m","input":"more","conversation":"conv_1"}' };
    expect(replayableBody(conv).ok).toBe(false);
    expect(replayableBody({ ...conv, requestBody: '{"model":"m","input":"x","previous_response_id":null}' }).ok).toBe(true);
  });
});
