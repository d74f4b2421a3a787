"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogBody, DialogFooter } from "@/components/ui/dialog";
import { FormErrors } from "@/components/ui/form-errors";
import { TextInput, Textarea } from "@/components/ui/field";
import { SecretInput } from "@/components/ui/secret-input";
import { Select } from "@/components/ui/select";
import { sendJson, unplacedErrors, withoutErrorOf, type FieldErrors } from "@/lib/browser/submit-json";
import { notify } from "@/components/ui/toast";
import { useFocusFirstInvalid } from "@/components/ui/use-focus-invalid";
import type { Provider } from "@/lib/gateway/config/schema";
import { PROVIDER_IDS, PROVIDER_INFOS, providerInfo } from "@/lib/gateway/providers/catalog";
// The canonical (snake_case) body: the schema's output type, since its input type is `unknown` (it preprocesses aliases).
import type { CreateVirtualKeyBody } from "@/lib/api/virtual-key-schemas";
import { newDeploymentRow } from "./deployments-editor";
import { type DeploymentsTable, ProviderFields } from "./provider-fields";
import { allowedModelsFromInput, expiresAtFromInput } from "@/lib/dashboard/key-lifecycle-input";
import { LifecycleInputs, lifecycleErrors } from "./lifecycle-fields";
import { budgetErrors, budgetFromInput, budgetValuesOf, EMPTY_BUDGET_FORM } from "@/lib/dashboard/budget-input";
import { BudgetFields } from "../../_components/budget-fields";

export type VirtualKeyLimits = { name: number; note: number; key: number };

type Created = { slug: string; name: string; masked_api_key: string | null };

// The providers and the fields each one's keys use come from the provider catalog (lib/gateway/providers/catalog.ts).
const PROVIDER_OPTIONS = PROVIDER_INFOS.map((p) => ({ value: p.id, label: p.label }));

/** "Create virtual key" (also on the `c` key when no field has the focus) and its dialog. */
export function CreateVirtualKey({ limits, label = "Create virtual key" }: { limits: VirtualKeyLimits; label?: string }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.key !== "c" || event.metaKey || event.ctrlKey || event.altKey || event.shiftKey || event.defaultPrevented) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest("input, textarea, select, [contenteditable], dialog[open]") || document.querySelector("dialog[open]")) return;
      event.preventDefault();
      setOpen(true);
    }
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  return (
    <>
      <Button variant="primary" onClick={() => setOpen(true)} aria-keyshortcuts="c">
        {label}
        {/* biome-ignore lint/a11y/noAriaHiddenOnFocusable: a <kbd> is not focusable; hidden so the button's name stays "Create…" (aria-keyshortcuts announces the key) */}
        <kbd className="ui-kbd" aria-hidden="true">
          C
        </kbd>
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title="Create virtual key" size="lg" busy={busy}>
        <CreateVirtualKeyForm limits={limits} onBusy={setBusy} onDone={() => setOpen(false)} />
      </Dialog>
    </>
  );
}

const PLACED =
  /^(name|provider|key|note|custom_host|resource_name|api_version|deployments|deployment_name|expires_at|allowed_models|budget\.limit_usd|budget\.period|budget\.alert_at_pct)(\[|$)/;

function CreateVirtualKeyForm({
  limits,
  onBusy,
  onDone,
}: {
  limits: VirtualKeyLimits;
  onBusy: (busy: boolean) => void;
  onDone: () => void;
}) {
  const router = useRouter();
  const [provider, setProvider] = useState<Provider>(PROVIDER_IDS[0]);
  const [table, setTable] = useState<DeploymentsTable>(() => {
    const first = newDeploymentRow();
    return { rows: [first], defaultUid: first.uid };
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const [pending, setPending] = useState(false);
  const focus = useFocusFirstInvalid();
  const info = providerInfo(provider) ?? PROVIDER_INFOS[0]!;
  const fields = info.keyFields;

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? "").trim();
    const body: CreateVirtualKeyBody = {
      name: text("name"),
      provider,
      key: String(data.get("key") ?? ""),
      ...(text("note") ? { note: text("note") } : {}),
      ...(text("custom_host") ? { custom_host: text("custom_host") } : {}),
      ...(fields.resource_name && text("resource_name") ? { resource_name: text("resource_name") } : {}),
      ...(fields.api_version && text("api_version") ? { api_version: text("api_version") } : {}),
      ...(fields.deployments
        ? {
            deployments: table.rows.map((r) => ({
              deployment_name: r.deployment.trim(),
              ...(r.alias.trim() ? { alias: r.alias.trim() } : {}),
              ...(r.apiVersion.trim() ? { api_version: r.apiVersion.trim() } : {}),
              is_default: r.uid === table.defaultUid,
            })),
          }
        : {}),
    };
    // expires_at travels as text (the body type holds the parsed Date).
    const expiresAt = expiresAtFromInput(text("expires_at"));
    const allowedModels = allowedModelsFromInput(String(data.get("allowed_models") ?? ""));
    const lifecycle = { ...(expiresAt ? { expires_at: expiresAt } : {}), ...(allowedModels ? { allowed_models: allowedModels } : {}) };
    // The budget travels as typed (its numbers are checked by the API, which names the field).
    const budget = budgetFromInput(budgetValuesOf((name) => String(data.get(name) ?? "")));
    setPending(true);
    onBusy(true);
    const result = await sendJson<Created>("/v1/virtual-keys", "POST", { ...body, ...lifecycle, ...(budget ? { budget } : {}) });
    setPending(false);
    onBusy(false);
    if (!result.ok) {
      setErrors(result.fieldErrors);
      setFormErrors(unplacedErrors(result, (path) => PLACED.test(path)));
      focus.refused();
      return;
    }
    form.reset(); // the provider key leaves the DOM with the dialog; this also clears it from the form state
    onDone();
    notify(`Created “${result.data.name}” (${result.data.slug}), key ${result.data.masked_api_key ?? "saved"}.`);
    router.refresh();
  }

  return (
    <form ref={focus.ref} onSubmit={submit} onChange={(e) => setErrors((current) => withoutErrorOf(current, e.target))} noValidate>
      <DialogBody>
        <FormErrors errors={formErrors} />
        <div className="ui-form-grid">
          <TextInput
            label="Name"
            name="name"
            required
            maxLength={limits.name}
            error={errors.name}
            placeholder="openai-prod"
            autoComplete="off"
          />
          <Select
            label="Provider"
            name="provider"
            value={provider}
            onChange={(e) => setProvider(e.target.value as Provider)}
            options={PROVIDER_OPTIONS}
            error={errors.provider}
          />
        </div>
        <SecretInput
          label="Provider API key"
          name="key"
          required
          maxLength={limits.key}
          error={errors.key}
          placeholder={info.keyForm.secretPlaceholder}
          hint="Encrypted at rest. Only its last 4 characters are ever shown again."
        />
        <ProviderFields provider={info} errors={errors} setErrors={setErrors} table={table} onTable={setTable} />
        <LifecycleInputs errors={lifecycleErrors(errors)} />
        <BudgetFields initial={EMPTY_BUDGET_FORM} errors={budgetErrors(errors)} />
        <Textarea
          label="Note"
          aside="optional"
          name="note"
          maxLength={limits.note}
          error={errors.note}
          placeholder="Who owns it, where it is billed"
        />
      </DialogBody>
      <DialogFooter aside={<span className="muted">Requests name it by its slug: x-portkey-virtual-key</span>}>
        <Button onClick={onDone} disabled={pending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={pending}>
          {pending ? "Creating…" : "Create key"}
        </Button>
      </DialogFooter>
    </form>
  );
}
