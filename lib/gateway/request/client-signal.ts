/**
 * The client's connection as the router's cancellation signal (lib/gateway/router/cancel.ts):
 * aborted when the client goes away before its answer is written, which aborts the attempt in
 * flight upstream and ends routing.
 *
 * Under Detour's server it is read off Node's response (`close` before the answer finished), as the
 * HTTP adapter does for `request.signal`; reading `request.signal` instead made the adapter create
 * an AbortController for every request (lib/gateway/router/cancel.ts says what that costs).
 * Anywhere else (`next dev`'s route files, a test calling a handler) it is the request's own signal.
 */
import { nodeRequestOf, nodeResponseOf } from "../../http/node-request";
import { Cancel, type CancelSignal } from "../router/cancel";

export function clientSignal(request: Request): CancelSignal {
  const res = nodeResponseOf(request);
  if (res === undefined) return request.signal;
  const cancel = new Cancel();
  const gone = () => {
    if (res.writableFinished) return;
    const errored = nodeRequestOf(request)?.errored;
    cancel.abort(errored ? errored.toString() : "Client connection prematurely closed.");
  };
  if (res.destroyed) gone();
  else res.once("close", gone);
  return cancel;
}
