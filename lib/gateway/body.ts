/** Reads and parses the JSON request body within the size limit (413 past it, 400 for bad JSON). */
import { GatewayError, badRequest } from "./errors";

export const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;

export async function readJsonBody(request: Request, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<{ body: Record<string, unknown>; text: string }> {
  const tooLarge = () => new GatewayError(413, "request_too_large", `Request body is larger than the limit of ${maxBytes} bytes.`, "invalid_request_error");
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!request.body) throw badRequest("invalid_body", "Request body is empty; send a JSON object.");

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text.trim()) throw badRequest("invalid_body", "Request body is empty; send a JSON object.");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw badRequest("invalid_json", `Request body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw badRequest("invalid_body", "Request body must be a JSON object.");
  }
  return { body: parsed as Record<string, unknown>, text };
}
