/**
 * A Web `Response` whose body is a string known up front (a JSON answer, an error), built without a
 * body stream: `new Response(text)` makes one at once (a transferable object, a byte source), and
 * a server then reads it back chunk by chunk. Detour's HTTP server (scripts/server.ts) writes the
 * text itself, found under the registered symbol TEXT_BODY; anyone else (Next's route files under
 * `next dev`, a caller of the handler) reads the body as from any Response: the full one is made
 * from the text the first time the body is asked for. Dependency-free: the server loads it too.
 */
import { DeferredBodyResponse } from "./deferred-body-response";
import { HeaderList } from "./header-list";

export const TEXT_BODY = Symbol.for("detour.textBody");

export class TextResponse extends DeferredBodyResponse {
  readonly [TEXT_BODY]: string;

  constructor(text: string, init: { status: number; headers: HeaderList }) {
    super(init);
    this[TEXT_BODY] = text;
  }

  protected makeBody(): BodyInit {
    return this[TEXT_BODY];
  }

  /** A copy that is a TextResponse too, while the body has not been asked for. */
  override clone(): Response {
    return this.bodyMade
      ? super.clone()
      : new TextResponse(this[TEXT_BODY], { status: this.status, headers: HeaderList.from(this.headers) });
  }
}

/** The text of a TextResponse (from either copy of this module), or undefined for any other response. */
export function textBodyOf(response: Response): string | undefined {
  return (response as unknown as { [TEXT_BODY]?: string })[TEXT_BODY];
}
