"use client";

import { useId, useState } from "react";
import { TextInput } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { PERIOD_CHOICES, type BudgetFormValues, type PeriodChoice } from "@/lib/dashboard/budget-input";
import { RoleNote, useCan } from "./role";

export type BudgetFieldErrors = { limit?: string; period?: string; alert?: string };

/**
 * The budget's inputs in a form (create dialogs, the budget dialog, the new-config builder): the
 * limit in USD (empty: no budget), the period (a rolling period with its number of days) and the
 * alert threshold in percent. Uncontrolled but for the period (it shows or hides the days): the form
 * reads them by name (`budgetValuesOf`, lib/dashboard/budget-input.ts). The names are the API's paths
 * of the fields (`budget.limit_usd`, `budget.period`, `budget.alert_at_pct`; and `budget.rolling_days`),
 * so a form that drops a field's error when it is edited (`withoutErrorOf`) drops the API's.
 * Budgets are an admin's to set: others see why instead of the inputs, and the form sends no budget.
 */
export function BudgetFields({
  initial,
  errors,
  legend = "Budget",
  hint,
}: {
  initial: BudgetFormValues;
  errors: BudgetFieldErrors;
  legend?: string;
  hint?: React.ReactNode;
}) {
  const [period, setPeriod] = useState<PeriodChoice>(initial.period);
  const hintId = useId();
  const canSet = useCan("admin");
  if (!canSet) {
    return (
      <fieldset className="budget-fields">
        <legend>{legend}</legend>
        <RoleNote need="admin" what="budgets" className="budget-fields-hint" />
      </fieldset>
    );
  }
  return (
    <fieldset className="budget-fields" aria-describedby={hintId}>
      <legend>{legend}</legend>
      <p id={hintId} className="field-hint budget-fields-hint">
        {hint ??
          "A limit on what requests through it may cost. Once it is spent, requests get 429 budget_exceeded until the period resets. Empty: no budget."}
      </p>
      <div className="ui-form-grid">
        <TextInput
          label="Limit (USD)"
          name="budget.limit_usd"
          inputMode="decimal"
          autoComplete="off"
          defaultValue={initial.limitUsd}
          placeholder="50"
          aside="optional"
          error={errors.limit}
        />
        <Select
          label="Period"
          name="budget.period"
          value={period}
          onChange={(e) => setPeriod(e.target.value as PeriodChoice)}
          options={PERIOD_CHOICES}
          error={period === "rolling" ? undefined : errors.period}
        />
        {period === "rolling" ? (
          <TextInput
            label="Days (rolling)"
            name="budget.rolling_days"
            inputMode="numeric"
            autoComplete="off"
            defaultValue={initial.rollingDays}
            hint="1 to 366: today and the days before it."
            error={errors.period}
          />
        ) : null}
        <TextInput
          label="Alert at (%)"
          name="budget.alert_at_pct"
          inputMode="numeric"
          autoComplete="off"
          defaultValue={initial.alertAtPct}
          placeholder="80"
          aside="optional"
          hint="An alert when this share of the limit is spent, besides 100%."
          error={errors.alert}
        />
      </div>
    </fieldset>
  );
}
