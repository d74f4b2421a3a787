/**
 * A Web `Response` built without its body stream (`super(null)`): the subclasses keep what the body
 * is made of (a text, a chunk source) for Detour's HTTP server, which writes it to the socket
 * itself, and make the full Response (a real body stream) only when someone else asks for the body.
 * Dependency-free: the server loads the subclasses too (lib/http/text-response.ts,
 * lib/http/stream-response.ts).
 */
export abstract class DeferredBodyResponse extends Response {
  #full: Response | null = null;

  constructor(init: { status: number; headers: Headers }) {
    super(null, init);
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
