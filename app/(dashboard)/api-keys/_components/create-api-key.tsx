"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { Dialog, DialogBody, DialogFooter } from "@/components/ui/dialog";
import { TextInput } from "@/components/ui/field";
import { sendJson, unplacedErrors, withoutErrorOf, type FieldErrors } from "@/lib/browser/submit-json";
import { useFocusFirstInvalid } from "@/components/ui/use-focus-invalid";
import type { ApiKeyScope } from "@/lib/store/api-keys";
import { DefaultConfigSelect, NO_DEFAULT_CONFIG, type ConfigChoice } from "./default-config-select";
import { allowedModelsFromInput, expiresAtFromInput } from "@/lib/dashboard/key-lifecycle-input";
import { LifecycleFields } from "./lifecycle-fields";
import { budgetErrors, budgetFromInput, budgetValuesOf, EMPTY_BUDGET_FORM } from "@/lib/dashboard/budget-input";
import { BudgetFields } from "../../_components/budget-fields";
import { RoleNote, useCan } from "../../_components/role";

/** A key as its creation or rotation answers it: the only answer that holds the key itself. */
export type Created = {
  id: string;
  key: string;
  name: string;
  scope: ApiKeyScope;
  prefix: string;
  default_config: string | null;
  expires_at: string | null;
  allowed_models: string[] | null;
};

const SCOPES: { value: ApiKeyScope; label: string; description: string }[] = [
  { value: "gateway", label: "Gateway", description: "Inference only: chat completions, completions, embeddings, models." },
  { value: "admin", label: "Admin", description: "Inference and the management API: configs, virtual keys, API keys, logs." },
];

/**
 * "Create API key": a name, a scope and optionally a default config, an expiry, allowed models and a budget, then the key itself, shown once with a copy button. Detour
 * keeps only its hash, so closing the dialog drops the only copy from the page.
 */
export function CreateApiKey({ nameMax, configs }: { nameMax: number; configs: readonly ConfigChoice[] }) {
  const [open, setOpen] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const [busy, setBusy] = useState(false);
  const close = () => {
    setOpen(false);
    setCreated(null);
  };
  return (
    <>
      <Button variant="primary" onClick={() => setOpen(true)}>
        Create API key
      </Button>
      <Dialog open={open} onClose={close} busy={busy} title={created ? `Copy the key for “${created.name}”` : "Create API key"}>
        {created ? (
          <ShowKeyOnce created={created} onDone={close} />
        ) : (
          <CreateApiKeyForm nameMax={nameMax} configs={configs} onBusy={setBusy} onCreated={setCreated} onCancel={close} />
        )}
      </Dialog>
    </>
  );
}

function CreateApiKeyForm({
  nameMax,
  configs,
  onBusy,
  onCreated,
  onCancel,
}: {
  nameMax: number;
  configs: readonly ConfigChoice[];
  onBusy: (b: boolean) => void;
  onCreated: (c: Created) => void;
  onCancel: () => void;
}) {
  const router = useRouter();
  const id = useId();
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const [pending, setPending] = useState(false);
  const focus = useFocusFirstInvalid();
  // An admin-scope key acts as an admin: only an admin may create one.
  const canAdminScope = useCan("admin");

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const defaultConfig = String(data.get("default_config") ?? NO_DEFAULT_CONFIG);
    const expiresAt = expiresAtFromInput(String(data.get("expires_at") ?? ""));
    const allowedModels = allowedModelsFromInput(String(data.get("allowed_models") ?? ""));
    const budget = budgetFromInput(budgetValuesOf((name) => String(data.get(name) ?? "")));
    setPending(true);
    onBusy(true);
    const result = await sendJson<Created>("/v1/api-keys", "POST", {
      name: String(data.get("name") ?? "").trim(),
      scope: String(data.get("scope") ?? "gateway"),
      ...(defaultConfig === NO_DEFAULT_CONFIG ? {} : { default_config: defaultConfig }),
      ...(expiresAt ? { expires_at: expiresAt } : {}),
      ...(allowedModels ? { allowed_models: allowedModels } : {}),
      ...(budget ? { budget } : {}),
    });
    setPending(false);
    onBusy(false);
    if (!result.ok) {
      setErrors(result.fieldErrors);
      setFormErrors(
        unplacedErrors(
          result,
          (path) =>
            ["name", "scope", "default_config", "expires_at", "budget.limit_usd", "budget.period", "budget.alert_at_pct"].includes(path) ||
            path.startsWith("allowed_models"),
        ),
      );
      focus.refused();
      return;
    }
    onCreated(result.data);
    router.refresh(); // the list behind the dialog shows the new row (prefix only)
  }

  return (
    <form ref={focus.ref} onSubmit={submit} onChange={(e) => setErrors((current) => withoutErrorOf(current, e.target))} noValidate>
      <DialogBody>
        {formErrors.length ? (
          <div role="alert" className="alert-error">
            {formErrors.join(" ")}
          </div>
        ) : null}
        <TextInput
          label="Name"
          name="name"
          required
          maxLength={nameMax}
          error={errors.name}
          placeholder="billing-service"
          autoComplete="off"
          hint="Which app or person uses it: you will see it in the logs."
        />
        <fieldset className="ak-scopes" aria-describedby={errors.scope ? `${id}-scope-error` : undefined}>
          <legend>Scope</legend>
          {SCOPES.map((s, i) => (
            <div className="ak-scope" key={s.value}>
              <input
                type="radio"
                id={`${id}-${s.value}`}
                name="scope"
                value={s.value}
                defaultChecked={i === 0}
                disabled={s.value === "admin" && !canAdminScope}
                aria-describedby={`${id}-${s.value}-d`}
              />
              <label htmlFor={`${id}-${s.value}`}>{s.label}</label>
              <span id={`${id}-${s.value}-d`} className="field-hint">
                {s.description}
              </span>
            </div>
          ))}
          <RoleNote need="admin" what="admin-scope keys" />
          {errors.scope ? (
            <div id={`${id}-scope-error`} className="field-error">
              {errors.scope}
            </div>
          ) : null}
        </fieldset>
        <DefaultConfigSelect configs={configs} error={errors.default_config} />
        <LifecycleFields expiresAt={null} allowedModels={null} errors={errors} />
        <BudgetFields initial={EMPTY_BUDGET_FORM} errors={budgetErrors(errors)} />
      </DialogBody>
      <DialogFooter>
        <Button onClick={onCancel} disabled={pending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={pending}>
          {pending ? "Creating…" : "Create key"}
        </Button>
      </DialogFooter>
    </form>
  );
}

export function ShowKeyOnce({ created, onDone, note }: { created: Created; onDone: () => void; note?: React.ReactNode }) {
  const id = useId();
  return (
    <>
      <DialogBody>
        <p className="ak-once">
          <strong>This is the only time Detour shows this key.</strong> It stores only a hash: copy the key into your secret manager now.
        </p>
        {note}
        <div className="field">
          <label htmlFor={id}>New API key</label>
          <div className="ui-secret">
            <input id={id} className="mono" readOnly value={created.key} onFocus={(e) => e.currentTarget.select()} spellCheck={false} />
            <CopyButton value={created.key} label="Copy API key">
              Copy
            </CopyButton>
          </div>
          <div className="field-hint">
            Scope <strong>{created.scope}</strong>. Send it as <code>x-portkey-api-key</code> (or <code>Authorization: Bearer</code>, or{" "}
            <code>x-api-key</code>).
            {created.default_config ? (
              <>
                {" "}
                Requests that name no config are routed by <code>{created.default_config}</code>.
              </>
            ) : null}
          </div>
        </div>
      </DialogBody>
      <DialogFooter>
        <Button variant="primary" onClick={onDone} data-autofocus>
          Done
        </Button>
      </DialogFooter>
    </>
  );
}
