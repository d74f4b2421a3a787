/**
 * A Web `Response` built without its body stream (`super(null)`): the subclasses keep what the body
 * is made of (a text, a chunk source) for Detour's HTTP server, which writes it to the socket
 * itself, and make the full Response (a real body stream) only when someone else asks for the body.
 * Its headers are a HeaderList (lib/http/header-list.ts), which the server writes as it is; a Web
 * `Headers` is made from them only when someone asks for `headers`, and from then on it is the one.
 * Dependency-free: the server loads the subclasses too (lib/http/text-response.ts,
 * lib/http/stream-response.ts).
 */
import type { HeaderList } from "./header-list";

/**
 * Under this registered symbol on a DeferredBodyResponse, what to tell of the time Detour's server
 * took to write the answer's last bytes (a JSON answer's head and body, a stream's end): the
 * request's log row counts it in Detour's own time (lib/gateway/request/respond.ts).
 */
export const WRITTEN = Symbol.for("detour.written");
/** Under this registered symbol, the answer's headers as a flat list while no Web `Headers` has been made of them. */
export const HEADER_LIST = Symbol.for("detour.headerList");

export abstract class DeferredBodyResponse extends Response {
  #full: Response | null = null;
  #headers: Headers | null = null;
  [WRITTEN]: ((ms: number) => void) | null = null;
  [HEADER_LIST]: HeaderList | null;

  constructor(init: { status: number; headers: HeaderList }) {
    super(null, { status: init.status });
    this[HEADER_LIST] = init.headers;
  }

  /** A Web `Headers` of the answer's headers, made the first time it is asked for. */
  override get headers(): Headers {
    if (this.#headers === null) {
      this.#headers = this[HEADER_LIST]!.toHeaders();
      this[HEADER_LIST] = null;
    }
    return this.#headers;
  }

  /** The body, for the full Response: called once, when the body is first asked for. */
  protected abstract makeBody(): BodyInit;

  /** The same response with a real body, made once. */
  protected withBody(): Response {
    this.#full ??= new Response(this.makeBody(), { status: this.status, statusText: this.statusText, headers: this.headers });
    return this.#full;
  }

  /** Whether the full Response has been made (its body asked for). */
  protected get bodyMade(): boolean {
    return this.#full !== null;
  }

  override get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    return this.withBody().body;
  }
  override get bodyUsed(): boolean {
    return this.#full?.bodyUsed ?? false;
  }
  override text(): Promise<string> {
    return this.withBody().text();
  }
  override json(): Promise<unknown> {
    return this.withBody().json();
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    return this.withBody().arrayBuffer();
  }
  override blob(): Promise<Blob> {
    return this.withBody().blob();
  }
  override formData(): Promise<FormData> {
    return this.withBody().formData();
  }
  override clone(): Response {
    return this.withBody().clone();
  }
}

/**
 * The answer's headers as a flat list (name, value, ...) when it is a DeferredBodyResponse (from
 * either copy of this module) whose Web `Headers` nobody asked for; else null: read `headers`.
 */
export function headerItemsOf(response: Response): readonly string[] | null {
  return (response as unknown as { [HEADER_LIST]?: HeaderList | null })[HEADER_LIST]?.items ?? null;
}

/** The write hook of a DeferredBodyResponse (from either copy of this module), when it has one. */
export function writtenHookOf(response: Response): ((ms: number) => void) | null {
  return (response as unknown as { [WRITTEN]?: ((ms: number) => void) | null })[WRITTEN] ?? null;
}
