/**
 * Runs a Lua script by its SHA1 (EVALSHA: the script's text is not sent on every call), loading it
 * with EVAL when Redis does not have it (NOSCRIPT: a restarted or flushed Redis). Used by every
 * script on the request path (rate limits, circuit breakers, the budget ledger). Dependency-free
 * apart from the client it is given.
 */
import { createHash } from "node:crypto";
import type Redis from "ioredis";

const shas = new Map<string, string>();

export async function evalScript(
  client: Redis,
  script: string,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  let sha = shas.get(script);
  if (!sha) {
    sha = createHash("sha1").update(script).digest("hex");
    shas.set(script, sha);
  }
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
    return client.eval(script, keys.length, ...keys, ...args);
  }
}
