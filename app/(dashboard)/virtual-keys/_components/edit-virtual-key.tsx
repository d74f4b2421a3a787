"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogBody, DialogFooter } from "@/components/ui/dialog";
import { FormErrors } from "@/components/ui/form-errors";
import { TextInput, Textarea } from "@/components/ui/field";
import { notify } from "@/components/ui/toast";
import { useFocusFirstInvalid } from "@/components/ui/use-focus-invalid";
import { sendJson, unplacedErrors, withoutErrorOf, type FieldErrors } from "@/lib/browser/submit-json";
import {
  settingsChanges,
  settingsInputOf,
  type SettingsFields,
  type SettingsInput,
  type VirtualKeySettings,
} from "@/lib/dashboard/virtual-key-settings";
import { PROVIDER_INFOS, providerInfo } from "@/lib/gateway/providers/catalog";
import type { VirtualKeyLimits } from "./create-virtual-key";
import { newDeploymentRow, type DeploymentRow } from "./deployments-editor";
import { ProviderFields } from "./provider-fields";

const PLACED = /^(name|note|custom_host|resource_name|api_version|deployments|deployment_name|rate_limits)(\[|\.|$)/;

/**
 * "Edit settings" on a virtual key's page: name, note, custom host, the provider's own fields
 * (resource, API version, deployments) and Detour's rate limits, saved with PUT
 * /v1/virtual-keys/{slug} (only what changed: lib/dashboard/virtual-key-settings.ts). The secret
 * is changed by a rotation, expiry and models, allowed hosts and the budget in their own panels.
 */
export function EditVirtualKey({
  slug,
  settings,
  providerId,
  limits,
}: {
  slug: string;
  settings: VirtualKeySettings;
  /** The key's provider (its fields and wording come from the catalog, which is client-safe). */
  providerId: string;
  limits: VirtualKeyLimits;
}) {
  const provider = providerInfo(providerId) ?? PROVIDER_INFOS[0]!;
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <Button size="md" onClick={() => setOpen(true)}>
        Edit settings
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={`Edit “${settings.name}”`} size="lg" busy={busy}>
        {open ? (
          <EditForm slug={slug} settings={settings} provider={provider} limits={limits} onBusy={setBusy} onDone={() => setOpen(false)} />
        ) : null}
      </Dialog>
    </>
  );
}

function rowsOf(input: SettingsInput): { rows: DeploymentRow[]; defaultUid: number | null } {
  const rows = input.deployments.map((d) => ({
    ...newDeploymentRow(),
    alias: d.alias,
    deployment: d.deployment,
    apiVersion: d.apiVersion,
  }));
  if (rows.length === 0) rows.push(newDeploymentRow());
  const at = input.deployments.findIndex((d) => d.isDefault);
  return { rows, defaultUid: rows[at === -1 ? 0 : at]!.uid };
}

function EditForm({
  slug,
  settings,
  provider,
  limits,
  onBusy,
  onDone,
}: {
  slug: string;
  settings: VirtualKeySettings;
  provider: (typeof PROVIDER_INFOS)[number];
  limits: VirtualKeyLimits;
  onBusy: (busy: boolean) => void;
  onDone: () => void;
}) {
  const router = useRouter();
  const initial = settingsInputOf(settings);
  const [input, setInput] = useState<SettingsInput>(initial);
  const [table, setTable] = useState(() => rowsOf(initial));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const [pending, setPending] = useState(false);
  const focus = useFocusFirstInvalid();
  const keyFields = provider.keyFields;
  const fields: SettingsFields = {
    resourceName: Boolean(keyFields.resource_name),
    apiVersion: Boolean(keyFields.api_version),
    deployments: Boolean(keyFields.deployments),
  };
  const current: SettingsInput = {
    ...input,
    deployments: table.rows.map((r) => ({
      alias: r.alias,
      deployment: r.deployment,
      apiVersion: r.apiVersion,
      isDefault: r.uid === table.defaultUid,
    })),
  };
  const changes = settingsChanges(settings, current, fields);
  const unchanged = Object.keys(changes).length === 0;
  const set = (key: Exclude<keyof SettingsInput, "deployments">) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
    setInput((prev) => ({ ...prev, [key]: e.target.value }));

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (unchanged) return;
    setPending(true);
    onBusy(true);
    const result = await sendJson<{ name: string }>(`/v1/virtual-keys/${encodeURIComponent(slug)}`, "PUT", changes);
    setPending(false);
    onBusy(false);
    if (!result.ok) {
      setErrors(result.fieldErrors);
      setFormErrors(unplacedErrors(result, (path) => PLACED.test(path)));
      focus.refused();
      return;
    }
    onDone();
    notify(`Saved the settings of “${result.data.name}”.`);
    router.refresh();
  }

  const limitHint = (what: string) => `${what}, counted by Detour across all its instances; empty = no limit. Over it: 429.`;

  return (
    <form ref={focus.ref} onSubmit={submit} onChange={(e) => setErrors((now) => withoutErrorOf(now, e.target))} noValidate>
      <DialogBody>
        <FormErrors errors={formErrors} />
        <TextInput
          label="Name"
          name="name"
          required
          maxLength={limits.name}
          value={input.name}
          onChange={set("name")}
          error={errors.name}
          autoComplete="off"
          hint={`Requests keep naming it by its slug, ${slug}, which never changes.`}
        />
        <ProviderFields
          provider={provider}
          errors={errors}
          setErrors={setErrors}
          table={table}
          onTable={setTable}
          text={{ values: input, set }}
        />
        <div className="ui-form-grid">
          <TextInput
            label="Requests per minute"
            aside="optional"
            name="rate_limits.rpm"
            inputMode="numeric"
            value={input.rpm}
            onChange={set("rpm")}
            error={errors["rate_limits.rpm"] ?? errors.rate_limits}
            placeholder="no limit"
            autoComplete="off"
            hint={limitHint("Requests a minute through this key")}
          />
          <TextInput
            label="Tokens per minute"
            aside="optional"
            name="rate_limits.tpm"
            inputMode="numeric"
            value={input.tpm}
            onChange={set("tpm")}
            error={errors["rate_limits.tpm"]}
            placeholder="no limit"
            autoComplete="off"
            hint={limitHint("Tokens a minute (from the providers' usage)")}
          />
        </div>
        <Textarea
          label="Note"
          aside="optional"
          name="note"
          maxLength={limits.note}
          value={input.note}
          onChange={set("note")}
          error={errors.note}
          placeholder="Who owns it, where it is billed"
        />
      </DialogBody>
      <DialogFooter aside={<span className="muted">{unchanged ? "No changes yet" : `Changes: ${Object.keys(changes).join(", ")}`}</span>}>
        <Button onClick={onDone} disabled={pending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={pending || unchanged}>
          {pending ? "Saving…" : "Save settings"}
        </Button>
      </DialogFooter>
    </form>
  );
}
