/**
 * The virtual key page's settings form (app/(dashboard)/virtual-keys/_components/edit-virtual-key.tsx)
 * as a PUT /v1/virtual-keys/{slug} body: only what changed, so a save never rewrites a field the
 * person did not touch (another admin's concurrent change to it survives). Emptied optional fields
 * are sent as null (removed); numbers travel as typed when they are not whole numbers, so the API's
 * error names the field.
 */

/** A key's settings as stored (the page reads them on the server). */
export type VirtualKeySettings = {
  name: string;
  note: string | null;
  customHost: string | null;
  resourceName: string | null;
  apiVersion: string | null;
  deployments: SettingsDeployment[];
  rpm: number | null;
  tpm: number | null;
};

export type SettingsDeployment = { alias: string | null; deploymentName: string; apiVersion: string | null; isDefault: boolean };

/** What the form holds: text as typed. */
export type SettingsInput = {
  name: string;
  note: string;
  customHost: string;
  resourceName: string;
  apiVersion: string;
  deployments: { alias: string; deployment: string; apiVersion: string; isDefault: boolean }[];
  rpm: string;
  tpm: string;
};

/** Which provider fields the key's provider uses (its catalog entry's `keyFields`). */
export type SettingsFields = { resourceName: boolean; apiVersion: boolean; deployments: boolean };

export function settingsInputOf(s: VirtualKeySettings): SettingsInput {
  return {
    name: s.name,
    note: s.note ?? "",
    customHost: s.customHost ?? "",
    resourceName: s.resourceName ?? "",
    apiVersion: s.apiVersion ?? "",
    deployments: s.deployments.map((d) => ({
      alias: d.alias ?? "",
      deployment: d.deploymentName,
      apiVersion: d.apiVersion ?? "",
      isDefault: d.isDefault,
    })),
    rpm: s.rpm === null ? "" : String(s.rpm),
    tpm: s.tpm === null ? "" : String(s.tpm),
  };
}

/** "" -> null; a whole number -> the number; anything else as typed (the API refuses it, naming the field). */
function limitOf(text: string): number | string | null {
  const t = text.trim();
  if (t === "") return null;
  return /^\d{1,10}$/.test(t) ? Number(t) : t;
}

function optional(text: string): string | null {
  const t = text.trim();
  return t === "" ? null : t;
}

function deploymentsBody(rows: SettingsInput["deployments"]) {
  return rows.map((r) => ({
    deployment_name: r.deployment.trim(),
    ...(r.alias.trim() ? { alias: r.alias.trim() } : {}),
    ...(r.apiVersion.trim() ? { api_version: r.apiVersion.trim() } : {}),
    is_default: r.isDefault,
  }));
}

/** The PUT body of what changed from `initial` (empty: nothing to save). */
export function settingsChanges(initial: VirtualKeySettings, input: SettingsInput, fields: SettingsFields): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const name = input.name.trim();
  if (name !== initial.name) body.name = name;
  const note = optional(input.note);
  if (note !== initial.note) body.note = note;
  const customHost = optional(input.customHost);
  if (customHost !== initial.customHost) body.custom_host = customHost;
  if (fields.resourceName) {
    const resourceName = optional(input.resourceName);
    if (resourceName !== initial.resourceName) body.resource_name = resourceName;
  }
  if (fields.apiVersion) {
    const apiVersion = optional(input.apiVersion);
    if (apiVersion !== initial.apiVersion) body.api_version = apiVersion;
  }
  if (fields.deployments) {
    const next = deploymentsBody(input.deployments);
    const before = deploymentsBody(settingsInputOf(initial).deployments);
    if (JSON.stringify(next) !== JSON.stringify(before)) body.deployments = next;
  }
  const limits: Record<string, number | string | null> = {};
  const rpm = limitOf(input.rpm);
  if (rpm !== initial.rpm) limits.rpm = rpm;
  const tpm = limitOf(input.tpm);
  if (tpm !== initial.tpm) limits.tpm = tpm;
  if (Object.keys(limits).length) body.rate_limits = limits;
  return body;
}
