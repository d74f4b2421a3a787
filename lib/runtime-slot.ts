/**
 * Where the process's runtime (lib/runtime.ts) lives: one global slot under a registered symbol.
 * Dependency-free (its one import is a type), so scripts/server.ts can read the runtime that
 * Next's build created without loading a second copy of `lib/`.
 */
import type { Runtime } from "./runtime";

/** The one global slot: `globalThis[RUNTIME_SLOT]` holds the whole runtime. */
export const RUNTIME_SLOT: unique symbol = Symbol.for("detour.runtime");

export type RuntimeSlot = { [RUNTIME_SLOT]?: Runtime };

/** The runtime, if some copy of `lib/` has created it; never creates it (scripts/server.ts). */
export function peekRuntime(): Runtime | undefined {
  return (globalThis as RuntimeSlot)[RUNTIME_SLOT];
}
