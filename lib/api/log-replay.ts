/**
 * `POST /v1/logs/{id}/replay`: sends a logged request again, through the config it was routed by
 * (the exact version logged, by default), another saved config of the workspace (any version), or
 * an edited config, and answers with the new request's attempts, like "Test this config" (the
 * gateway's own stages: lib/gateway/request/config-test.ts).
 *
 * - The server reads the logged body itself, by log id: it never travels through the browser. A log
 *   of another workspace is a 404, like one that does not exist.
 * - What cannot be replayed is a 422 `replay_unavailable` saying why (lib/logs/replay.ts): no body
 *   logged, a body cut or redacted, not an inference POST, a Responses follow-up, no stored config.
 * - A streamed request is replayed streamed (its log row is a stream's, as the original's was);
 *   the answer here is read to its end and assembled.
 * - Needs the member role, as the config test: a replay spends like a request. It runs as the API
 *   key that called (its limits, allowed models and budget apply) or the signed-in user; the
 *   virtual keys' limits and every budget apply as to any request. Logged like any request, with
 *   metadata `detour_test: "replay"`, `detour_replay_of: <log id>` and the config it used.
 */
import type { z } from "zod";
import { openConfigKeys } from "../config-secrets";
import { getDb } from "../db";
import { DetourError } from "../errors";
import { intInRange, nonEmptyString, strictObject } from "../gateway/config/messages";
import { type Config, parseConfigJson } from "../gateway/config/schema";
import type { Endpoint } from "../gateway/providers/types";
import { CONFIG_TEST_METADATA_KEY } from "../gateway/request/config-test-limits";
import { type ConfigTestResult, runThroughConfig } from "../gateway/request/config-test";
import { REPLAY_METADATA_KEY, REPLAY_TIMEOUT_MS, replayableBody } from "../logs/replay";
import { getEncryptionKey } from "../secrets";
import { findConfig, findConfigVersion } from "../store/configs";
import { getLogWithAttempts } from "../store/log-query";
import { configContentSchema } from "./config-schemas";
import { callerOf, openSentConfig } from "./config-test";
import { configCode, storedBodies } from "./configs";
import { notFound } from "./errors";
import { type ApiContext, readOptionalJson } from "./handler";
import { parseInput } from "./input";

/** Log ids are `log_` + 26 characters; anything much longer cannot be one. */
const MAX_LOG_ID = 128;

/**
 * The config to replay with: nothing (the logged config, its logged version), `slug` (a saved
 * config, its current version, or `version`), or `config` (an edited config; its masked keys stand
 * for the keys stored in `slug`, else in the logged config).
 */
export const replayLogSchema = strictObject(
  {
    slug: nonEmptyString("the id (pc-...) of a saved config of the workspace").optional(),
    version: intInRange(1, 1_000_000_000).optional(),
    config: configContentSchema.optional(),
  },
  "a JSON object {slug?, version?, config?} (empty: the config and version the request was logged with)",
).superRefine((body, ctx) => {
  if (body.version !== undefined && body.slug === undefined)
    ctx.addIssue({ code: "custom", path: ["version"], message: "needs slug: the saved config whose version it is" });
  if (body.version !== undefined && body.config !== undefined)
    ctx.addIssue({ code: "custom", path: ["version"], message: "cannot go with config: an edited config has no version" });
});

export type ReplayLogInput = z.input<typeof replayLogSchema>;

/** Which config the replay used: a saved one and its version, or an edited one. */
export type ReplayConfigUsed = { kind: "saved"; slug: string; version: number; name: string } | { kind: "edited"; slug: string | null };

export type LogReplayResult = Omit<ConfigTestResult, "object"> & {
  object: "log.replay";
  replay_of: string;
  stream: boolean;
  config: ReplayConfigUsed;
};

const unavailable = (reason: string) => new DetourError("replay_unavailable", reason);

export async function replayLogHandler({ request, principal, params }: ApiContext<{ id: string }>): Promise<Response> {
  const input = parseInput(replayLogSchema, await readOptionalJson(request), configCode);
  const db = getDb();
  const log = params.id.length <= MAX_LOG_ID ? await getLogWithAttempts(db, principal.workspaceId, params.id) : null;
  if (!log) throw notFound("Log", params.id);
  const check = replayableBody(log);
  if (!check.ok) throw unavailable(check.reason);

  const key = getEncryptionKey();
  let config: Config;
  let used: ReplayConfigUsed;
  if (input.config !== undefined) {
    const maskSlug = input.slug ?? log.configSlug;
    let stored: string[] = [];
    if (maskSlug) {
      const saved = await findConfig(db, principal.workspaceId, maskSlug);
      if (!saved && input.slug !== undefined) throw notFound("Config", input.slug);
      if (saved) stored = await storedBodies(principal.workspaceId, saved.id);
    }
    config = openSentConfig(input.config, key, stored, maskSlug);
    used = { kind: "edited", slug: input.slug ?? null };
  } else {
    const slug = input.slug ?? log.configSlug;
    if (!slug)
      throw unavailable(
        "This request named no saved config (its targets came from headers or an inline config, which are not logged): choose a saved config, or send one.",
      );
    let found: Awaited<ReturnType<typeof findConfigVersion>>;
    if (input.slug !== undefined) {
      const current = await findConfig(db, principal.workspaceId, input.slug);
      if (!current) throw notFound("Config", input.slug);
      found = await findConfigVersion(db, principal.workspaceId, input.slug, input.version ?? current.version);
      if (!found) throw notFound("Config version", `${input.slug} v${input.version}`);
    } else {
      if (log.configVersion === null)
        throw unavailable(
          `This request was refused before its config (${slug}) was read, so no version was recorded: choose a saved config to replay it with.`,
        );
      found = await findConfigVersion(db, principal.workspaceId, slug, log.configVersion);
      if (!found)
        throw unavailable(
          `Config ${slug} version ${log.configVersion} is no longer stored (the config was deleted): choose another config.`,
        );
    }
    const parsed = parseConfigJson(found.version.body);
    if (!parsed.ok)
      throw unavailable(
        `Config ${found.config.slug} version ${found.version.version} is not valid any more (${parsed.issues[0]?.message ?? "invalid"}): choose another version or config.`,
      );
    config = openConfigKeys(parsed.config, key);
    used = { kind: "saved", slug: found.config.slug, version: found.version.version, name: found.config.name };
  }

  const endpoint = log.path.slice("/v1/".length) as Endpoint;
  const result = await runThroughConfig({
    caller: await callerOf(request, principal),
    config,
    endpoint,
    body: check.body,
    metadata: {
      [CONFIG_TEST_METADATA_KEY]: "replay",
      [REPLAY_METADATA_KEY]: log.id,
      detour_replay_config: used.kind === "saved" ? `${used.slug} v${used.version}` : used.slug ? `${used.slug} (edited)` : "edited",
      detour_test_by: principal.actorLabel,
    },
    request,
    timeoutMs: REPLAY_TIMEOUT_MS,
  });
  const answer: LogReplayResult = { ...result, object: "log.replay", replay_of: log.id, stream: check.body.stream === true, config: used };
  return Response.json(answer);
}
