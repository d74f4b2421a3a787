import net from "node:net";

/**
 * A TCP proxy to `target`, on a fixed port, that can be cut (connections dropped, new ones
 * refused), blackholed (connections accepted and kept, nothing forwarded, no error: a network
 * that swallows packets) and restored. `whenQuiet` runs one of those at a moment when no
 * connection has a request forwarded and unanswered (for a request/response protocol such as
 * PostgreSQL's): a COMMIT then never reaches the server with its answer lost on the way back, so
 * the client never has to send again what the server already took.
 */
export class TcpProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  /** Connections whose last forwarded bytes went to the target (a request not answered yet). */
  private readonly awaitingAnswer = new Set<net.Socket>();
  private blackholed = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(port = 0): Promise<void> {
    const server = net.createServer((client) => {
      if (this.blackholed) {
        this.sockets.add(client);
        client.on("error", () => client.destroy()).pause();
        return;
      }
      const upstream = net.connect(this.target);
      this.sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
        this.awaitingAnswer.delete(client);
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      client.pipe(upstream).pipe(client);
      // After pipe's own listeners: these see each chunk once it has been forwarded.
      client.on("data", () => this.awaitingAnswer.add(client));
      upstream.on("data", () => this.awaitingAnswer.delete(client));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
  }

  /** Drops every connection and refuses new ones (ECONNREFUSED), like a Redis that went away. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Existing connections stop forwarding (both ways) and new ones hang: no reset, no answer. */
  blackhole(): void {
    this.blackholed = true;
    for (const s of this.sockets) {
      s.unpipe();
      s.pause();
    }
  }

  /**
   * Resolves with `action()`'s result, run synchronously at the first moment (polled every
   * millisecond, up to `timeoutMs`) when every connection's last forwarded bytes were an answer.
   */
  async whenQuiet<T>(action: () => T, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (this.awaitingAnswer.size > 0) {
      if (Date.now() > deadline) throw new Error(`TcpProxy: requests still unanswered after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 1));
    }
    return action();
  }

  /** Accepts (and forwards) connections again on the same port; connections held by a blackhole are dropped. */
  async restore(): Promise<void> {
    if (this.blackholed) {
      this.blackholed = false;
      await this.cut();
    }
    await this.start(this.port);
  }

  async close(): Promise<void> {
    await this.cut();
  }
}
