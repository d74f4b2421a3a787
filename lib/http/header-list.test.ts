import { describe, expect, it } from "vitest";
import { headerItemsOf } from "./deferred-body-response";
import { HeaderList } from "./header-list";
import { TextResponse } from "./text-response";

describe("HeaderList", () => {
  it("keeps names in lower case in the order added; set replaces in place and drops the others", () => {
    const h = new HeaderList({ "Content-Type": "application/json", "x-a": "1" });
    h.append("X-B", "2");
    h.append("x-a", "3");
    expect(h.items).toEqual(["content-type", "application/json", "x-a", "1", "x-b", "2", "x-a", "3"]);
    expect(h.get("X-A")).toBe("1, 3");
    h.set("x-a", "4");
    expect(h.items).toEqual(["content-type", "application/json", "x-a", "4", "x-b", "2"]);
    h.set("x-c", "5");
    expect(h.items.slice(-2)).toEqual(["x-c", "5"]);
    expect(h.has("X-C")).toBe(true);
    h.delete("content-type");
    expect(h.has("content-type")).toBe(false);
    expect(h.get("content-type")).toBeNull();
    expect(h.items).toEqual(["x-a", "4", "x-b", "2", "x-c", "5"]);
  });

  it("a value equal to a name is not a name", () => {
    const h = new HeaderList({ "x-a": "x-b" });
    expect(h.has("x-b")).toBe(false);
    h.set("x-b", "1");
    expect(h.items).toEqual(["x-a", "x-b", "x-b", "1"]);
    h.delete("x-b");
    expect(h.items).toEqual(["x-a", "x-b"]);
  });

  it("to and from a Web Headers", () => {
    const h = new HeaderList({ "x-a": "1" });
    h.append("x-a", "2");
    const web = h.toHeaders();
    expect(web.get("x-a")).toBe("1, 2");
    expect(HeaderList.from(new Headers({ B: "1", a: "2" })).items).toEqual(["a", "2", "b", "1"]);
    const copy = HeaderList.from(h);
    copy.set("x-a", "3");
    expect(h.get("x-a")).toBe("1, 2");
  });
});

describe("a deferred-body answer's headers", () => {
  it("stay a list for Detour's server until someone asks for a Web Headers; from then on that one counts", () => {
    const r = new TextResponse("{}", {
      status: 201,
      headers: new HeaderList({ "content-type": "application/json", "x-portkey-trace-id": "t" }),
    });
    expect(r.status).toBe(201);
    expect(headerItemsOf(r)).toEqual(["content-type", "application/json", "x-portkey-trace-id", "t"]);
    expect(headerItemsOf(new Response("x"))).toBeNull();
    const web = r.headers;
    expect(web).toBeInstanceOf(Headers);
    expect(web.get("x-portkey-trace-id")).toBe("t");
    expect(r.headers).toBe(web);
    expect(headerItemsOf(r)).toBeNull();
    web.set("x-later", "1");
    expect(r.headers.get("x-later")).toBe("1");
    expect(r.clone().headers.get("x-later")).toBe("1");
  });
});
