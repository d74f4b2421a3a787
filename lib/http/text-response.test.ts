import { HeaderList } from "./header-list";
import { describe, expect, it } from "vitest";
import { TEXT_BODY, TextResponse, textBodyOf } from "./text-response";

const make = (text = '{"answer":"héllo €"}', status = 200) =>
  new TextResponse(text, { status, headers: new HeaderList({ "content-type": "application/json", "x-portkey-trace-id": "t1" }) });

describe("TextResponse", () => {
  it("is a Response with its status and headers, and hands Detour's server its text", () => {
    const r = make();
    expect(r).toBeInstanceOf(Response);
    expect(r.status).toBe(200);
    expect(r.ok).toBe(true);
    expect(r.headers.get("x-portkey-trace-id")).toBe("t1");
    expect(textBodyOf(r)).toBe('{"answer":"héllo €"}');
    expect(r[TEXT_BODY]).toBe(textBodyOf(r));
    expect(textBodyOf(new Response("plain"))).toBeUndefined();
    expect(r.bodyUsed).toBe(false);
  });

  it("reads like any Response for everyone else: text, json, bytes, its body stream", async () => {
    expect(await make().text()).toBe('{"answer":"héllo €"}');
    expect(await make().json()).toEqual({ answer: "héllo €" });
    expect(new TextDecoder().decode(await make().arrayBuffer())).toBe('{"answer":"héllo €"}');
    expect(await (await make().blob()).text()).toBe('{"answer":"héllo €"}');
    const r = make("streamed", 404);
    const reader = r.body!.getReader();
    let read = "";
    for (let c = await reader.read(); !c.done; c = await reader.read()) read += new TextDecoder().decode(c.value);
    expect(read).toBe("streamed");
    expect(r.bodyUsed).toBe(true);
    await expect(r.text()).rejects.toThrow();
  });

  it("clones before and after its body is read, as a Response does", async () => {
    const r = make();
    const copy = r.clone();
    expect(await r.text()).toBe(await copy.text());
    const fresh = make();
    void fresh.body; // made its full copy
    const second = fresh.clone();
    expect(await second.json()).toEqual({ answer: "héllo €" });
    expect(await fresh.json()).toEqual({ answer: "héllo €" });
  });

  it("goes through a Response copy made from it (what Next's route files do)", async () => {
    const r = make();
    const copy = new Response(r.body, r);
    expect(copy.status).toBe(200);
    expect(copy.headers.get("content-type")).toBe("application/json");
    expect(await copy.text()).toBe('{"answer":"héllo €"}');
  });
});
