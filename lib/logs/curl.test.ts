import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { curlCommand, shellQuote } from "./curl";

/** What a POSIX shell makes of `command`'s words (curl replaced by printf, each word ended by a NUL), with the variables set. */
function words(command: string, env: Record<string, string> = {}): string[] {
  const out = execFileSync("sh", ["-c", `printf '%s\\0' ${command.replace(/^curl /, "").replace(/ \\\n {2}/g, " ")}`], {
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  return out.split("\0").slice(0, -1);
}

describe("curlCommand", () => {
  it("repeats a chat request with Detour's key as a variable, its portkey headers, and the body exactly as the shell reads it", () => {
    const body = `{"model":"gpt-4o","messages":[{"role":"user","content":"It's $HOME \`x\` \\"q\\" \\\\ ok"}]}`;
    const { command, notes } = curlCommand("http://localhost:3000/", {
      method: "POST",
      path: "/v1/chat/completions",
      headers: {
        "content-type": "application/json",
        "x-portkey-api-key": "[redacted]",
        "x-portkey-config": "pc-fallback-1a2b3c",
        "x-portkey-metadata": `{"user":"o'brien"}`,
        host: "localhost:3000",
        "content-length": "120",
        "user-agent": "OpenAI/JS 5.0",
        "x-stainless-os": "Linux",
        "sec-fetch-mode": "cors",
        "accept-language": "*",
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "x-detour-client-address": "127.0.0.1",
      },
      body,
      bodyTruncated: false,
      responseId: null,
    });
    expect(words(command, { DETOUR_API_KEY: "dtr_secret" })).toEqual([
      "http://localhost:3000/v1/chat/completions",
      "-H",
      "content-type: application/json",
      "-H",
      "x-portkey-api-key: dtr_secret",
      "-H",
      "x-portkey-config: pc-fallback-1a2b3c",
      "-H",
      `x-portkey-metadata: {"user":"o'brien"}`,
      "--data-raw",
      body,
    ]);
    expect(notes).toEqual(["Set DETOUR_API_KEY to a Detour API key first (the logged key is never shown)."]);
    expect(command).not.toContain("[redacted]");
  });

  it("names the provider's key in direct mode, and Detour's in x-portkey-api-key", () => {
    const { command, notes } = curlCommand("https://gw.example.com", {
      method: "POST",
      path: "/v1/messages",
      headers: {
        "x-portkey-provider": "anthropic",
        "x-api-key": "[redacted]",
        "x-portkey-api-key": "[redacted]",
        "anthropic-version": "2023-06-01",
      },
      body: "{}",
      bodyTruncated: false,
      responseId: null,
    });
    expect(words(command, { DETOUR_API_KEY: "dtr", PROVIDER_API_KEY: "sk-ant" })).toEqual([
      "https://gw.example.com/v1/messages",
      "-H",
      "anthropic-version: 2023-06-01",
      "-H",
      "x-api-key: sk-ant",
      "-H",
      "x-portkey-api-key: dtr",
      "-H",
      "x-portkey-provider: anthropic",
      "--data-raw",
      "{}",
    ]);
    expect(notes).toHaveLength(2);
  });

  it("puts the response id into a read by id, says what it cannot repeat, and writes the method when it is not implied", () => {
    const read = curlCommand("http://h", {
      method: "DELETE",
      path: "/v1/responses/{id}",
      headers: { authorization: "[redacted]", "x-portkey-config": '{"provider":"openai","api_key":"[redacted]"}' },
      body: null,
      bodyTruncated: false,
      responseId: "resp_abc",
    });
    expect(words(read.command, { DETOUR_API_KEY: "k" })).toEqual([
      "http://h/v1/responses/resp_abc",
      "-X",
      "DELETE",
      "-H",
      "authorization: Bearer k",
      "-H",
      'x-portkey-config: {"provider":"openai","api_key":"[redacted]"}',
    ]);
    expect(read.notes).toContain("The x-portkey-config header holds values the log redacted ([redacted]): fill them in.");

    const cut = curlCommand("http://h", {
      method: "GET",
      path: "/v1/responses/{id}/input_items",
      headers: {},
      body: '{"a":',
      bodyTruncated: true,
      responseId: null,
    });
    expect(cut.command).toContain("-X GET");
    expect(cut.notes).toEqual([
      "The log keeps this path as a template ({id}): put the response id in the URL.",
      "The log kept only the start of this body: the command sends the cut body, which is not valid JSON.",
    ]);
  });

  it("quotes anything for the shell", () => {
    for (const s of ["", "'", "a'b'c", "$(rm -rf /)", "`x`", "\\", "line\nbreak", "é 🚀"]) expect(words(shellQuote(s))).toEqual([s]);
  });
});
