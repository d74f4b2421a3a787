/**
 * Callers authenticate with a Detour API key in `x-portkey-api-key`; else, when no provider key is
 * being passed (direct mode, `x-portkey-provider`, sends the provider's key in `Authorization` or
 * `x-api-key`), in `Authorization: Bearer` (the OpenAI SDK's `apiKey`, Anthropic's
 * `ANTHROPIC_AUTH_TOKEN`) or `x-api-key` (the Anthropic SDK's `apiKey`, `ANTHROPIC_API_KEY`): a
 * client that can only set a base URL and a key then reaches Detour unchanged (docs/GATEWAY.md §2).
 * A key past its `expires_at` (a rotated key past its grace period) is refused with 401
 * `api_key_expired`, checked against the clock at each use (the gateway caches keys).
 */
import type { Db } from "../db";
import { ERROR_CATALOG } from "../errors";
import { findActiveApiKey, type ApiKeyScope, type AuthenticatedKey } from "../store/api-keys";

export function presentedApiKey(headers: Headers): string | null {
  const portkey = headers.get("x-portkey-api-key")?.trim();
  if (portkey) return portkey;
  if (headers.get("x-portkey-provider")) return null; // Authorization carries the provider key
  const auth = headers.get("authorization");
  const match = auth ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
  return match?.[1]?.trim() || headers.get("x-api-key")?.trim() || null;
}

export type ApiKeyAuth =
  | { ok: true; key: AuthenticatedKey }
  | {
      ok: false;
      status: 401 | 403;
      code: "missing_api_key" | "invalid_api_key" | "api_key_expired" | "insufficient_scope";
      message: string;
    };

/**
 * Why `key` no longer works at `now`, or null while it does: its expiry, or the end of its grace
 * period after a rotation (naming the new key's prefix). Names the key by name and prefix, never itself.
 */
export function apiKeyExpiredMessage(key: AuthenticatedKey, now = Date.now()): string | null {
  if (!key.expiresAt || key.expiresAt.getTime() > now) return null;
  const which = `This Detour API key (${key.name}, ${key.prefix}...)`;
  const at = key.expiresAt.toISOString();
  return key.rotatedToPrefix
    ? `${which} expired at ${at}: it was rotated, and its grace period is over. Use the key that replaced it (${key.rotatedToPrefix}...).`
    : `${which} expired at ${at}.`;
}

export async function authenticateApiKey(db: Db, headers: Headers, required: ApiKeyScope): Promise<ApiKeyAuth> {
  const presented = presentedApiKey(headers);
  if (!presented) {
    return {
      ok: false,
      status: ERROR_CATALOG.missing_api_key.status,
      code: "missing_api_key",
      message: "Missing Detour API key: send it in the x-portkey-api-key header.",
    };
  }
  const key = await findActiveApiKey(db, presented);
  if (!key)
    return {
      ok: false,
      status: ERROR_CATALOG.invalid_api_key.status,
      code: "invalid_api_key",
      message: "Invalid or revoked Detour API key.",
    };
  const expired = apiKeyExpiredMessage(key);
  if (expired) return { ok: false, status: ERROR_CATALOG.api_key_expired.status, code: "api_key_expired", message: expired };
  if (required === "admin" && key.scope !== "admin") {
    return {
      ok: false,
      status: ERROR_CATALOG.insufficient_scope.status,
      code: "insufficient_scope",
      message: "This API key has the gateway scope; management routes need an admin-scope key.",
    };
  }
  return { ok: true, key };
}
