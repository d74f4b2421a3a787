/**
 * A lingering close for answers given before the request's body was read to its end (a 413 past a
 * body limit: lib/api/body-limits.ts, lib/api/read-body.ts), as nginx's `lingering_close` does.
 *
 * Such an answer carries `connection: close`, and Node then closes the socket as soon as the answer
 * is out. The client may still be sending its upload: the bytes that arrive after the close are
 * answered by the kernel with a reset, the client's next write fails with EPIPE or ECONNRESET, and
 * a reset can throw away the answer it had not read yet. So the client saw a broken connection
 * instead of the 413 (once in this project's CI, under load).
 *
 * With lingerOnUnreadBody, when such an answer ends, the rest of the upload is read and dropped, and
 * the socket is closed when the client closes its side (a client reads an answer that says
 * `connection: close`, then closes) or after LINGER_MS at most. No FIN goes out before: a client
 * whose socket is not half-open (Node's default) ends its own side on the server's FIN, and its
 * next write of the upload fails (EPIPE). An answer whose request was read whole closes as before.
 * Dependency-free: scripts/server.ts bundles it.
 *
 * Node calls the socket's `destroySoon()` to close after such an answer (node:_http_server,
 * resOnFinish, after "prefinish"); that call is replaced, for that socket only, just before.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** How long the rest of an upload is read after its answer at most (nginx's lingering_time is 30 s). */
export const LINGER_MS = 10_000;

/** Arms a lingering close for `res`'s socket if the answer ends before `req`'s body was read to its end. */
export function lingerOnUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  res.once("prefinish", () => {
    if (req.complete) return;
    const socket: Socket | null = req.socket;
    if (!socket || typeof socket.destroySoon !== "function") return;
    socket.destroySoon = () => lingeringClose(socket, req);
    // For this answer only: on a connection kept alive, the next request's answer closes as Node does.
    res.once("finish", () => {
      if (Object.hasOwn(socket, "destroySoon")) Reflect.deleteProperty(socket, "destroySoon");
    });
  });
}

function lingeringClose(socket: Socket, req: IncomingMessage): void {
  const stop = setTimeout(() => socket.destroy(), LINGER_MS);
  stop.unref();
  socket.once("close", () => clearTimeout(stop));
  // The client closed its side: it has the answer. The upload's end read: nothing more to drop, ours
  // closes too (a FIN now costs the client no write).
  socket.once("end", () => socket.destroy());
  req.once("end", () => socket.end());
  socket.on("error", () => socket.destroy());
  // Whatever read the request (Next.js's body stream, paused at its limit) is done with it: drop the
  // rest. A "readable" listener left would keep resume() from letting the data flow.
  req.removeAllListeners("readable");
  req.removeAllListeners("data");
  req.resume();
  socket.resume();
}
