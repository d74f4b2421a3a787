/**
 * Callers authenticate with a Detour API key in `x-portkey-api-key`; else, when no provider key is
 * being passed (direct mode, `x-portkey-provider`, sends the provider's key in `Authorization` or
 * `x-api-key`), in `Authorization: Bearer` (the OpenAI SDK's `apiKey`, Anthropic's
 * `ANTHROPIC_AUTH_TOKEN`) or `x-api-key` (the Anthropic SDK's `apiKey`, `ANTHROPIC_API_KEY`): a
 * client that can only set a base URL and a key then reaches Detour unchanged (docs/GATEWAY.md §2).
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
  | { ok: false; status: 401 | 403; code: "missing_api_key" | "invalid_api_key" | "insufficient_scope"; message: string };

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
