"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogBody, DialogFooter } from "@/components/ui/dialog";
import { notify } from "@/components/ui/toast";
import { useFocusFirstInvalid } from "@/components/ui/use-focus-invalid";
import { sendJson } from "@/lib/browser/submit-json";
import {
  budgetChanged,
  budgetErrors,
  budgetFromInput,
  budgetToInput,
  budgetValuesOf,
  formatUsd,
  periodWords,
  type BudgetShown,
} from "@/lib/dashboard/budget-input";
import { BudgetFields, type BudgetFieldErrors } from "./budget-fields";
import { BudgetBar } from "./budget-bar";
import { useCan } from "./role";

/**
 * "Set budget" / "Edit budget" and its dialog, for one subject: `PUT endpoint {budget}` (an API
 * key, a virtual key, a config or the workspace). An empty limit, or "Remove budget", sends
 * `budget: null`. The gateway applies the change from the next request on, on every instance.
 * Budgets are an admin's to set: for others there is no button (the bar still shows the budget).
 */
export function EditBudget({
  endpoint,
  subject,
  budget,
  size = "sm",
}: {
  /** The subject's management route, e.g. `/v1/virtual-keys/openai-x1`. */
  endpoint: string;
  /** Its name in the dialog's title and the buttons' accessible names ("the workspace", "“OpenAI prod”"). */
  subject: string;
  budget: BudgetShown | null;
  size?: "sm" | "md";
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<BudgetFieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const focus = useFocusFirstInvalid();
  const canEdit = useCan("admin");

  function close() {
    setErrors({});
    setFormError(null);
    setOpen(false);
  }

  async function save(next: ReturnType<typeof budgetFromInput>) {
    setPending(true);
    setFormError(null);
    const result = await sendJson<{ budget: BudgetShown | null }>(endpoint, "PUT", { budget: next });
    setPending(false);
    if (!result.ok) {
      const placed = budgetErrors(result.fieldErrors);
      setErrors(placed);
      setFormError(placed.form ?? (placed.limit || placed.period || placed.alert ? null : result.message));
      focus.refused();
      return;
    }
    close();
    const saved = result.data.budget;
    notify(
      saved
        ? `Budget of ${subject}: ${formatUsd(saved.limit_usd)} ${periodWords(saved.period)}${saved.alert_at_pct !== null ? `, alert at ${saved.alert_at_pct}%` : ""}.`
        : `Removed the budget of ${subject}.`,
    );
    router.refresh();
  }

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const values = budgetValuesOf((name) => String(data.get(name) ?? ""));
    if (!budgetChanged(values, budget)) {
      close();
      return;
    }
    await save(budgetFromInput(values));
  }

  if (!canEdit) return null;
  return (
    <>
      <Button size={size} onClick={() => setOpen(true)}>
        {budget ? "Edit budget" : "Set budget"}
        <span className="sr-only"> of {subject}</span>
      </Button>
      <Dialog open={open} onClose={close} busy={pending} title={`Budget of ${subject}`}>
        <form ref={focus.ref} onSubmit={submit} onChange={() => setErrors({})} noValidate>
          <DialogBody>
            {formError ? (
              <div role="alert" className="alert-error">
                {formError}
              </div>
            ) : null}
            {budget ? <BudgetBar budget={budget} label={`Current spend of ${subject}`} /> : null}
            <BudgetFields initial={budgetToInput(budget)} errors={errors} legend="Limit and period" />
          </DialogBody>
          <DialogFooter
            aside={
              budget ? (
                <Button variant="danger" onClick={() => save(null)} disabled={pending}>
                  Remove budget
                </Button>
              ) : undefined
            }
          >
            <Button onClick={close} disabled={pending}>
              Cancel
            </Button>
            <Button type="submit" variant="primary" disabled={pending}>
              {pending ? "Saving…" : "Save budget"}
            </Button>
          </DialogFooter>
        </form>
      </Dialog>
    </>
  );
}
