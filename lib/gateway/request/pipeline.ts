/**
 * A request pipeline: named stages that run in order over ONE context object, each typed by what
 * the stages before it have filled in. A stage takes the context and hands back one of:
 * - the same context object, typed with the fields it filled in known (`Out`): the next stage may rely
 *   on them (a stage never makes a new context: the runner checks);
 * - nothing: it only checked (a rate limit), the context type is unchanged;
 * - a `Response`: the request is answered (a cache hit), later stages are skipped;
 * or a promise of one of those, or it throws (the pipeline's `onError` answers).
 *
 * Why this shape rather than middleware (`(ctx, next) => Promise<Response>`, Hono's compose): every
 * middleware is an async frame that stays open around the rest of the request, so each stage costs a
 * promise and an await even when it does nothing asynchronous, and composing makes a `next` closure
 * per stage per request; the narrowing of the context would have to be threaded through `next` too.
 * Here a synchronous stage is a plain call (no await), an asynchronous one is awaited once,
 * the stages are built into an array once at module load (no per-request closure or allocation), and
 * the types are checked where the list is written: a stage that needs a field no earlier stage fills
 * in does not compile. The context is one object with every field present from the start (one hidden
 * class; the error answer and the log row see whatever the stages got to).
 */

/** What a stage may hand back: see the file comment. */
type StageResult<Out> = Out | Response | undefined;

/** One stage: `(ctx: In) => Out`, where `Out` is `In` with more fields known (or `In`: it only checks). */
export type Stage<In, Out extends In = In> = (ctx: In) => StageResult<Out> | Promise<StageResult<Out>> | Promise<void>;

type AnyStage = (ctx: never) => unknown;

export function pipeline<Start>(): PipelineBuilder<Start, Start> {
  return new PipelineBuilder<Start, Start>([]);
}

class PipelineBuilder<Start, Ctx> {
  constructor(private readonly stages: readonly AnyStage[]) {}

  /** Adds a stage: the next one sees the context as this one hands it back. */
  stage<Out extends Ctx = Ctx>(stage: Stage<Ctx, Out>): PipelineBuilder<Start, Out> {
    return new PipelineBuilder<Start, Out>([...this.stages, stage]);
  }

  /** The last stage: it always answers. */
  answer(stage: (ctx: Ctx) => Response | Promise<Response>): { onError: (answer: ErrorAnswer<Start>) => Pipeline<Start> } {
    const stages = [...this.stages, stage];
    return { onError: (answer) => new Pipeline(stages, answer) };
  }
}

/** Answers whatever a stage threw, with the context as far as the stages got. */
export type ErrorAnswer<Start> = (ctx: Start, err: unknown) => Response;

export class Pipeline<Start> {
  constructor(
    private readonly stages: readonly AnyStage[],
    private readonly onError: ErrorAnswer<Start>,
  ) {}

  /** Stage names in order (function names), for logs and tests. */
  get names(): string[] {
    return this.stages.map((s) => s.name);
  }

  /**
   * Runs the stages over `ctx` until one answers; a throw is answered by `onError`. Awaits only the
   * stages that return a promise; a stage that hands back the context (or nothing) costs two comparisons.
   */
  async run(ctx: Start): Promise<Response> {
    const stages = this.stages;
    try {
      for (let i = 0; i < stages.length; i++) {
        let out = (stages[i] as (ctx: Start) => unknown)(ctx);
        if (out === ctx || out === undefined) continue;
        if (out instanceof Promise) {
          out = await out;
          if (out === ctx || out === undefined) continue;
        }
        if (out instanceof Response) return out;
        throw new Error(`stage ${stages[i]?.name} handed back neither its context nor a Response`);
      }
      throw new Error("the request pipeline ended without an answer");
    } catch (err) {
      return this.onError(ctx, err);
    }
  }
}
