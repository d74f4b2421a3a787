/**
 * `POST /v1/configs/test`: one real request through a config, saved or not (the builder's "Test this
 * config" sends the config being edited, unsaved edits included). The gateway runs it with its own
 * stages and the workspace's virtual keys (lib/gateway/request/config-test.ts), logs it like any
 * request (metadata `detour_test`), and the answer says what a client would have got and every
 * attempt. Needs the member role: a test spends like a request.
 * - Keys: a masked key (`sk-...abcd#1a2b3c4d`) stands for the key stored in the config named by
 *   `slug` (any of its versions), as on save; an unknown mask is a 400 at its path. Keys are opened
 *   in memory only, and never come back: the answer is redacted of every provider key.
 * - The caller: the API key the request was authenticated with (its limits, allowed models and
 *   budget apply), or the signed-in user (no API key: the workspace's and the keys' budgets only).
 */
import { presentedApiKey } from "../auth/api-key";
import { envelopesByMask, openConfigInput } from "../config-secrets";
import { getDb } from "../db";
import { DetourError, issuesError } from "../errors";
import { lookupApiKey } from "../gateway/cache/lookups";
import { runConfigTest } from "../gateway/request/config-test";
import {
  CONFIG_TEST_DEFAULT_MAX_TOKENS,
  CONFIG_TEST_DEFAULT_PROMPT,
  CONFIG_TEST_METADATA_KEY,
} from "../gateway/request/config-test-limits";
import type { Caller } from "../gateway/request/served";
import { getEncryptionKey } from "../secrets";
import { findConfig } from "../store/configs";
import { testConfigSchema } from "./config-schemas";
import { configCode, parseStored, storedBodies } from "./configs";
import { notFound } from "./errors";
import { type ApiContext, type Principal, readJson } from "./handler";
import { parseInput } from "./input";

export async function testConfigHandler({ request, principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const body = parseInput(testConfigSchema, await readJson(request), configCode);
  let stored: string[] = [];
  if (body.slug !== undefined) {
    const saved = await findConfig(getDb(), principal.workspaceId, body.slug);
    if (!saved) throw notFound("Config", body.slug);
    stored = await storedBodies(principal.workspaceId, saved.id);
  }
  const config = openSentConfig(body.config, getEncryptionKey(), stored, body.slug);
  const result = await runConfigTest({
    caller: await callerOf(request, principal),
    config,
    model: body.model,
    prompt: body.prompt ?? CONFIG_TEST_DEFAULT_PROMPT,
    maxTokens: body.max_tokens ?? CONFIG_TEST_DEFAULT_MAX_TOKENS,
    metadata: {
      [CONFIG_TEST_METADATA_KEY]: "config",
      ...(body.slug ? { detour_test_config: body.slug } : {}),
      detour_test_by: principal.actorLabel,
    },
    request,
  });
  return Response.json(result);
}

/**
 * A config a client sent for one request (a test, or a replay's edited config): its masked keys
 * (`sk-...abcd#1a2b3c4d`) opened from `stored`, the versions of config `slug`. A mask that stands for
 * none is a 400 naming where it is.
 */
export function openSentConfig<T>(config: T, key: Buffer, stored: string[], slug: string | null | undefined): T {
  const { config: opened, unknownMasks } = openConfigInput(config, key, envelopesByMask(stored.map(parseStored), key));
  if (unknownMasks.length) {
    const issues = unknownMasks.map((m) => ({
      path: `config.${m.path}`,
      message: `is a masked key (${m.mask}) that stands for no key stored in ${slug ? `config ${slug}` : "a saved config (send slug, or the provider key itself)"}`,
    }));
    throw issuesError("invalid_config", issues);
  }
  return opened;
}

/** Who the test (or a replay) runs as: the API key that authenticated the call, else the signed-in user (no key). */
export async function callerOf(request: Request, principal: Principal): Promise<Caller> {
  if (principal.apiKeyId !== null) {
    const presented = presentedApiKey(request.headers);
    const found = presented ? await lookupApiKey(presented) : null;
    // The wrapper authenticated this key a moment ago; a key revoked since is refused like any call.
    if (!found) throw new DetourError("invalid_api_key", "Invalid or revoked Detour API key.");
    return found;
  }
  return {
    id: null,
    workspaceId: principal.workspaceId,
    scope: "gateway",
    name: principal.actorLabel,
    rpmLimit: null,
    tpmLimit: null,
    defaultConfigSlug: null,
    prefix: "",
    expiresAt: null,
    allowedModels: null,
    rotatedToPrefix: null,
    rotatedToId: null,
    source: "session",
  };
}
