/**
 * A Web `Response` whose body is a string known up front (a JSON answer, an error), built without a
 * body stream: `new Response(text)` makes one at once (a transferable object, a byte source), and
 * a server then reads it back chunk by chunk. Detour's HTTP server (scripts/server.ts) writes the
 * text itself, found under the registered symbol TEXT_BODY; anyone else (Next's route files under
 * `next dev`, a caller of the handler) reads the body as from any Response: the full one is made
 * from the text the first time the body is asked for. Dependency-free: the server loads it too.
 */
export const TEXT_BODY = Symbol.for("detour.textBody");

export class TextResponse extends Response {
  readonly [TEXT_BODY]: string;
  #full: Response | null = null;

  constructor(text: string, init: { status: number; headers: Headers }) {
    super(null, init);
    this[TEXT_BODY] = text;
  }

  /** The same response with a real body stream, made once. */
  #withBody(): Response {
    this.#full ??= new Response(this[TEXT_BODY], { status: this.status, statusText: this.statusText, headers: this.headers });
    return this.#full;
  }

  override get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    return this.#withBody().body;
  }
  override get bodyUsed(): boolean {
    return this.#full?.bodyUsed ?? false;
  }
  override text(): Promise<string> {
    return this.#withBody().text();
  }
  override json(): Promise<unknown> {
    return this.#withBody().json();
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    return this.#withBody().arrayBuffer();
  }
  override blob(): Promise<Blob> {
    return this.#withBody().blob();
  }
  override formData(): Promise<FormData> {
    return this.#withBody().formData();
  }
  override clone(): Response {
    return this.#full ? this.#full.clone() : new TextResponse(this[TEXT_BODY], { status: this.status, headers: new Headers(this.headers) });
  }
}

/** The text of a TextResponse (from either copy of this module), or undefined for any other response. */
export function textBodyOf(response: Response): string | undefined {
  return (response as unknown as { [TEXT_BODY]?: string })[TEXT_BODY];
}
