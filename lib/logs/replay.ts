/**
 * Whether a logged request can be replayed (`POST /v1/logs/{id}/replay`, the log detail's "Replay"),
 * and if not, why, in words for people. Browser-safe (no imports from the server): the log detail
 * page says the same reason the API answers with.
 *
 * A replay sends the request body as Detour logged it, so it needs that body whole: a request to an
 * inference endpoint with a JSON body (not a call on one stored response), the body logged and not
 * cut at the log's size limit, no secret redacted out of it, and not a Responses API follow-up (a
 * `previous_response_id` or `conversation` lives at one provider: sent again, possibly elsewhere, it
 * would not be the same request; replay the conversation's first request instead).
 */

/** The endpoints a replay may send to: the inference routes that take a JSON body. */
export const REPLAYABLE_PATHS: ReadonlySet<string> = new Set([
  "/v1/chat/completions",
  "/v1/completions",
  "/v1/embeddings",
  "/v1/messages",
  "/v1/messages/count_tokens",
  "/v1/responses",
  "/v1/responses/input_tokens",
]);

/** The whole replay, every attempt and retry included (a replayed request may generate at length, or stream). */
export const REPLAY_TIMEOUT_MS = 120_000;

/** The metadata key of a replay's log row: the id of the log it replays (besides `detour_test: "replay"`). */
export const REPLAY_METADATA_KEY = "detour_replay_of";

/** What the stored text of a redacted secret is (lib/gateway/request/log-redaction.ts). */
const REDACTED_MARK = "[redacted]";

export type ReplaySource = {
  method: string;
  path: string;
  requestBody: string | null;
  requestBodyTruncated: boolean;
};

export type ReplayCheck = { ok: true; body: Record<string, unknown> } | { ok: false; reason: string };

/** The body to send again, or the reason there is none (a sentence that starts with "This request"). */
export function replayableBody(log: ReplaySource): ReplayCheck {
  if (log.method !== "POST" || !REPLAYABLE_PATHS.has(log.path))
    return {
      ok: false,
      reason: `This request (${log.method} ${log.path}) cannot be replayed: only POST requests to an inference endpoint with a JSON body can.`,
    };
  if (log.requestBody === null)
    return {
      ok: false,
      reason:
        "This request cannot be replayed: its request body was not logged (the request was refused before its body was read), and a replay sends only what Detour logged.",
    };
  if (log.requestBodyTruncated)
    return {
      ok: false,
      reason: "This request cannot be replayed: its logged request body was cut at the log's size limit, so the request cannot be rebuilt.",
    };
  let body: unknown;
  try {
    body = JSON.parse(log.requestBody);
  } catch {
    return { ok: false, reason: "This request cannot be replayed: its logged request body is not valid JSON." };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return { ok: false, reason: "This request cannot be replayed: its logged request body is not a JSON object." };
  if (log.requestBody.includes(REDACTED_MARK))
    return {
      ok: false,
      reason: "This request cannot be replayed: a secret was redacted from its logged body ([redacted]), so the body is not the one sent.",
    };
  const record = body as Record<string, unknown>;
  if (log.path.startsWith("/v1/responses") && (present(record.previous_response_id) || present(record.conversation)))
    return {
      ok: false,
      reason:
        "This request cannot be replayed: it continues a stored response (previous_response_id or conversation), which lives at the provider that answered it; replay the conversation's first request instead.",
    };
  return { ok: true, body: record };
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "";
}
