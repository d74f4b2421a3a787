/**
 * One full garbage collection at the end of the server's start, so that an idle instance gives back
 * the memory its start grew (docs/PERFORMANCE.md, "The gateway-only role").
 *
 * Loading the server grows V8's young generation to its maximum (two 16 MiB semi-spaces): its
 * scavenges see most of what they copy survive (modules, compiled code), and V8 doubles the space
 * each time that survival exceeds its size. V8 shrinks it again only in a "memory-reducing"
 * collection, which its memory reducer runs ~8 s after a full collection that gave back old-space
 * memory, and then only if the process is idle (a busy process keeps its young generation: it needs
 * it). Whether the start's own full collection qualified was a matter of timing: an idle gateway
 * held 91-98 MiB after some starts and 109-114 MiB after others. A full collection once the start is
 * done always frees the start's garbage, and in every start tried the reducer then ran.
 *
 * Node exposes `gc()` only with `--expose-gc`; the flag is set for the one new context that fetches
 * the function and cleared again, so no code of the app's sees a global `gc`.
 */
import v8 from "node:v8";
import vm from "node:vm";

/** Runs one full, synchronous collection; false when this runtime gave no way to (nothing else happens then). */
export function settleHeap(): boolean {
  let gc: unknown;
  try {
    v8.setFlagsFromString("--expose-gc");
    gc = vm.runInNewContext("gc");
  } catch {
    return false;
  } finally {
    v8.setFlagsFromString("--no-expose-gc");
  }
  if (typeof gc !== "function") return false;
  gc();
  return true;
}
