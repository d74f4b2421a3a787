/** The request pipeline's runner: order, early answers, errors, and no await for a synchronous stage. */
import { describe, expect, it } from "vitest";
import { pipeline } from "./pipeline";

type Ctx = { seen: string[]; n: number | null };
type WithN = Ctx & { n: number };

function withN(ctx: Ctx): WithN {
  ctx.n = 1;
  ctx.seen.push("withN");
  return ctx as WithN;
}

async function later(ctx: WithN): Promise<void> {
  await Promise.resolve();
  ctx.seen.push(`later ${ctx.n + 1}`);
}

function check(ctx: Ctx): undefined {
  ctx.seen.push("check");
  return undefined;
}

const answer = (ctx: WithN) => new Response(ctx.seen.join(","), { status: 200 });
const onError = (ctx: Ctx, err: unknown) => new Response(`${ctx.seen.join(",")}: ${String(err)}`, { status: 500 });

describe("pipeline", () => {
  it("runs the stages in order over one context and returns the last stage's answer", async () => {
    const p = pipeline<Ctx>().stage(withN).stage(check).stage(later).answer(answer).onError(onError);
    const res = await p.run({ seen: [], n: null });
    expect(await res.text()).toBe("withN,check,later 2");
    expect(p.names).toEqual(["withN", "check", "later", "answer"]);
  });

  it("stops at a stage that answers", async () => {
    const early = (ctx: Ctx) => (ctx.seen.length ? new Response("early", { status: 203 }) : undefined);
    const p = pipeline<Ctx>().stage(withN).stage(early).stage(later).answer(answer).onError(onError);
    const ctx: Ctx = { seen: [], n: null };
    const res = await p.run(ctx);
    expect(res.status).toBe(203);
    expect(ctx.seen).toEqual(["withN"]);
  });

  it("answers a throw (sync or async) with onError and the context as far as it got", async () => {
    const boom = (): undefined => {
      throw new Error("boom");
    };
    const asyncBoom = async (): Promise<void> => {
      throw new Error("async boom");
    };
    const sync = pipeline<Ctx>().stage(withN).stage(boom).answer(answer).onError(onError);
    expect(await (await sync.run({ seen: [], n: null })).text()).toBe("withN: Error: boom");
    const async = pipeline<Ctx>().stage(withN).stage(later).stage(asyncBoom).answer(answer).onError(onError);
    expect(await (await async.run({ seen: [], n: null })).text()).toBe("withN,later 2: Error: async boom");
  });

  it("runs synchronous stages without yielding: everything before the first promise runs within run()", () => {
    const p = pipeline<Ctx>().stage(withN).stage(check).stage(later).answer(answer).onError(onError);
    const ctx: Ctx = { seen: [], n: null };
    const pending = p.run(ctx);
    expect(ctx.seen).toEqual(["withN", "check"]);
    return pending;
  });
});

describe("pipeline contract", () => {
  it("refuses a stage that hands back a new object instead of its context", async () => {
    const copy = (ctx: Ctx): WithN => ({ ...ctx, n: 2 });
    const p = pipeline<Ctx>().stage(copy).answer(answer).onError(onError);
    const res = await p.run({ seen: [], n: null });
    expect(res.status).toBe(500);
    expect(await res.text()).toContain("stage copy handed back neither its context nor a Response");
  });
});
