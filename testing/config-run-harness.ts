/**
 * The set-up of the API tests of a request run through a config from the dashboard (a config test,
 * `POST /v1/configs/test`, and a log's replay, `POST /v1/logs/{id}/replay`): a real Detour with the
 * env admin key and the admin's password, a client with that key, a signed-in session (its cookie and
 * the origin a browser sends), and two virtual keys on the mock upstream, "OpenAI main" and "Azure EU",
 * with the secrets the test names (to script faults by key and see which key each upstream call used).
 */
import { ADMIN_KEY, ADMIN_PASSWORD, apiClient, signIn, withKey, type ApiClient } from "./api-client";
import { startHarness, type Harness } from "./gateway-harness";

export type ConfigRunHarness = {
  h: Harness;
  /** The env admin key's client. */
  api: ApiClient;
  /** The admin signed in (no API key). */
  session: ApiClient;
  /** The OpenAI virtual key's slug. */
  openai: string;
  /** The Azure OpenAI virtual key's slug (deployments gpt-4o and gpt-4o-mini). */
  azure: string;
};

export async function startConfigRunHarness(secrets: { openai: string; azure: string }): Promise<ConfigRunHarness> {
  const h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
  return {
    h,
    api: withKey(h, ADMIN_KEY),
    session: apiClient(h, { cookie: await signIn(h), origin: h.url }),
    openai: await h.openaiKey("OpenAI main", secrets.openai),
    azure: await h.azureKey("Azure EU", secrets.azure),
  };
}
