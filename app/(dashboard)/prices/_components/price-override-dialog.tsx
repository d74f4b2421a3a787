"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogBody, DialogFooter } from "@/components/ui/dialog";
import { FormErrors } from "@/components/ui/form-errors";
import { TextInput } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { notify } from "@/components/ui/toast";
import { useFocusFirstInvalid } from "@/components/ui/use-focus-invalid";
import { sendJson, unplacedErrors, withoutErrorOf, type FieldErrors } from "@/lib/browser/submit-json";
import { PROVIDER_IDS, PROVIDER_INFOS, providerLabel } from "@/lib/gateway/providers/catalog";

/** The prices a dialog starts from (a table entry, an override, or nothing for a new one). */
export type PriceDraft = {
  provider: string;
  model: string;
  input: number | null;
  output: number | null;
  cachedInput: number | null;
  cacheWrite: number | null;
  reasoning: number | null;
};

type Saved = { provider: string; model: string };

const PROVIDER_OPTIONS = PROVIDER_INFOS.map((p) => ({ value: p.id, label: p.label }));

/** The price fields: the API's name, the label, a hint. */
const PRICE_FIELDS = [
  { name: "input", label: "Input", key: "input", hint: "Prompt tokens." },
  { name: "output", label: "Output", key: "output", hint: "Completion tokens. Empty: output costs nothing (embeddings)." },
  { name: "cached_input", label: "Cached input", key: "cachedInput", hint: "Prompt tokens read from the cache. Empty: the input price." },
  { name: "cache_write", label: "Cache write", key: "cacheWrite", hint: "Prompt tokens written to the cache. Empty: the input price." },
  { name: "reasoning", label: "Reasoning", key: "reasoning", hint: "Reasoning tokens (part of the output). Empty: the output price." },
] as const;

const PLACED = /^(provider|model|input|output|cached_input|cache_write|reasoning)$/;

/** A typed price as the API takes it: empty -> unset (null), a number, or the text as typed (the API names what is wrong). */
function priceValue(text: string): number | string | null {
  const trimmed = text.trim();
  if (!trimmed) return null;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : trimmed;
}

/**
 * "Add a price override", "Override" a table's price, or "Edit" an override: one dialog. A draft
 * with a model fixes the provider and the model (the override of that model is set); without one
 * both are chosen here. Saving PUTs /v1/prices: the next request of the workspace uses the price.
 */
export function PriceOverrideDialog({
  open,
  onClose,
  title,
  draft,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  draft: PriceDraft | null;
}) {
  const [busy, setBusy] = useState(false);
  return (
    <Dialog
      open={open}
      onClose={onClose}
      busy={busy}
      title={title}
      description="USD per 1M tokens, for this workspace only. The next request is priced with it; the logs keep the cost each request had."
    >
      <PriceOverrideForm draft={draft} onBusy={setBusy} onDone={onClose} />
    </Dialog>
  );
}

function PriceOverrideForm({ draft, onBusy, onDone }: { draft: PriceDraft | null; onBusy: (busy: boolean) => void; onDone: () => void }) {
  const router = useRouter();
  const fixedModel = draft?.model ? draft.model : null;
  const [provider, setProvider] = useState(draft?.provider ?? PROVIDER_IDS[0]);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const [pending, setPending] = useState(false);
  const focus = useFocusFirstInvalid();

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const text = (name: string) => String(data.get(name) ?? "");
    const body: Record<string, unknown> = { provider, model: fixedModel ?? text("model") };
    for (const field of PRICE_FIELDS) {
      const value = priceValue(text(field.name));
      if (value !== null || field.name === "input") body[field.name] = value ?? undefined;
    }
    setPending(true);
    onBusy(true);
    const result = await sendJson<Saved>("/v1/prices", "PUT", body);
    setPending(false);
    onBusy(false);
    if (!result.ok) {
      setErrors(result.fieldErrors);
      setFormErrors(unplacedErrors(result, (path) => PLACED.test(path)));
      focus.refused();
      return;
    }
    onDone();
    notify(`Saved the price of ${result.data.model} (${providerLabel(result.data.provider)}) for this workspace.`);
    router.refresh();
  }

  return (
    <form ref={focus.ref} onSubmit={submit} onChange={(e) => setErrors((current) => withoutErrorOf(current, e.target))} noValidate>
      <DialogBody>
        <FormErrors errors={formErrors} />
        <div className="ui-form-grid">
          {fixedModel !== null ? (
            <TextInput label="Provider" value={providerLabel(provider)} readOnly />
          ) : (
            <Select
              label="Provider"
              name="provider"
              value={provider}
              onChange={(e) => setProvider(e.target.value)}
              options={PROVIDER_OPTIONS}
              error={errors.provider}
            />
          )}
          <TextInput
            label="Model"
            name="model"
            required
            maxLength={200}
            autoComplete="off"
            placeholder="gpt-4o"
            defaultValue={draft?.model ?? ""}
            readOnly={fixedModel !== null}
            error={errors.model}
          />
        </div>
        <div className="ui-form-grid">
          {PRICE_FIELDS.map((field) => {
            const start = draft?.[field.key] ?? null;
            return (
              <TextInput
                key={field.name}
                label={`${field.label} ($ per 1M)`}
                aside={field.name === "input" ? undefined : "optional"}
                name={field.name}
                inputMode="decimal"
                autoComplete="off"
                required={field.name === "input"}
                defaultValue={start === null ? "" : String(start)}
                hint={field.hint}
                error={errors[field.name]}
              />
            );
          })}
        </div>
      </DialogBody>
      <DialogFooter>
        <Button onClick={onDone} disabled={pending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={pending}>
          {pending ? "Saving…" : "Save price"}
        </Button>
      </DialogFooter>
    </form>
  );
}
