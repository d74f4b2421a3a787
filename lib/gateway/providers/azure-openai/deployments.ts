/**
 * Which Azure deployment serves a request, and with which api-version (docs/GATEWAY.md §1).
 *
 * Order: a fixed `deploymentId` (target-level `deployment_id`, direct mode) wins; else the first
 * deployment whose alias equals the body's `model`; else the first deployment without an alias
 * whose own name equals `model` (Detour's addition: an unaliased deployment answers to its name);
 * else the first one marked default; else the only one. api-version: the deployment's own, else
 * the key's, else the caller's fallback (DEFAULT_AZURE_API_VERSION, or `v1` on a v1 base URL).
 * Whether that version means the v1 API or a dated one is the request builder's business (forms.ts).
 */
import { invalidRequest } from "../errors";
import type { GatewayErrorLike, VirtualKeyDeployment } from "../types";
import type { AzureCredentials } from "./credentials";
import { DEFAULT_AZURE_API_VERSION } from "./forms";

export { DEFAULT_AZURE_API_VERSION } from "./forms";

/** One Azure deployment reachable through a virtual key (a row of `VirtualKeyDeployment`). */
export type AzureDeployment = VirtualKeyDeployment;

export type DeploymentChoice = { deployment: string; apiVersion: string };

const nonEmpty = (value: string | null | undefined): string | undefined => (value?.trim() ? value : undefined);

/** The model names a deployment answers to: its alias, or its own name when it has no alias. */
export function deploymentModelName(d: AzureDeployment): string {
  return nonEmpty(d.alias) ?? d.deploymentName;
}

function describe(deployments: readonly AzureDeployment[]): string {
  const shown = deployments.slice(0, 10).map((d) => {
    const alias = nonEmpty(d.alias);
    const notes = [alias ? `alias ${JSON.stringify(alias)}` : "no alias", ...(d.isDefault ? ["default"] : [])];
    return `${JSON.stringify(d.deploymentName)} (${notes.join(", ")})`;
  });
  const more = deployments.length > shown.length ? ` and ${deployments.length - shown.length} more` : "";
  return shown.join(", ") + more;
}

function pick(deployments: readonly AzureDeployment[], model: string | undefined): AzureDeployment | undefined {
  if (model !== undefined) {
    const byAlias = deployments.find((d) => nonEmpty(d.alias) === model);
    if (byAlias) return byAlias;
    const byName = deployments.find((d) => !nonEmpty(d.alias) && d.deploymentName === model);
    if (byName) return byName;
  }
  return deployments.find((d) => d.isDefault) ?? (deployments.length === 1 ? deployments[0] : undefined);
}

/** The deployment and api-version for a request asking for `model`, or a 400 naming what is known. */
export function chooseAzureDeployment(
  model: unknown,
  creds: Pick<AzureCredentials, "deploymentId" | "deployments" | "apiVersion">,
  fallbackVersion: string = DEFAULT_AZURE_API_VERSION,
): DeploymentChoice | { error: GatewayErrorLike } {
  const deployments = (creds.deployments ?? []).filter((d) => nonEmpty(d.deploymentName));
  const keyVersion = nonEmpty(creds.apiVersion);
  const fixed = nonEmpty(creds.deploymentId);
  if (fixed) {
    const known = deployments.find((d) => d.deploymentName === fixed);
    return { deployment: fixed, apiVersion: nonEmpty(known?.apiVersion) ?? keyVersion ?? fallbackVersion };
  }
  if (deployments.length === 0) {
    return invalidRequest(
      "no Azure deployment is configured: set deployment_id on the target or add deployments to the virtual key",
      "missing_deployment",
    );
  }
  const asked = typeof model === "string" && model.trim() ? model : undefined;
  const chosen = pick(deployments, asked);
  if (chosen) {
    return { deployment: chosen.deploymentName, apiVersion: nonEmpty(chosen.apiVersion) ?? keyVersion ?? fallbackVersion };
  }
  const what = asked === undefined ? "the request names no model" : `no Azure deployment serves model ${JSON.stringify(asked)}`;
  return invalidRequest(
    `${what} and none is marked default; the deployments known are ${describe(deployments)}. ` +
      "Give a deployment the model's name as alias, or mark one as default.",
    "deployment_not_found",
    "model",
  );
}
