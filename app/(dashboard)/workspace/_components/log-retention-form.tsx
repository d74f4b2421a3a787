"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { TextInput } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { notify } from "@/components/ui/toast";
import { useFocusFirstInvalid } from "@/components/ui/use-focus-invalid";
import { sendJson, unplacedErrors, withoutErrorOf, type FieldErrors } from "@/lib/browser/submit-json";
import { defaultRetentionLabel, retentionWords } from "@/lib/dashboard/log-retention";

type Mode = "default" | "days" | "forever";

/**
 * The workspace's own log retention, saved with `PUT /v1/workspace {log_retention_days}`: the
 * deployment's default (null), a number of days, or every log kept (0). The server checks the number.
 */
export function LogRetentionForm({ days, defaultDays }: { days: number | null; defaultDays: number }) {
  const router = useRouter();
  const [mode, setMode] = useState<Mode>(days === null ? "default" : days === 0 ? "forever" : "days");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const [pending, setPending] = useState(false);
  const focus = useFocusFirstInvalid();

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    let value: number | null = mode === "default" ? null : 0;
    if (mode === "days") {
      const text = String(new FormData(event.currentTarget).get("log_retention_days") ?? "").trim();
      if (!/^\d+$/.test(text) || Number(text) < 1) {
        setErrors({ log_retention_days: "must be a whole number of days, 1 or more" });
        focus.refused();
        return;
      }
      value = Number(text);
    }
    setPending(true);
    setFormErrors([]);
    const result = await sendJson<{ log_retention: { effective_days: number } }>("/v1/workspace", "PUT", { log_retention_days: value });
    setPending(false);
    if (!result.ok) {
      setErrors(result.fieldErrors);
      setFormErrors(unplacedErrors(result, (path) => path === "log_retention_days"));
      focus.refused();
      return;
    }
    notify(`Saved: ${retentionWords(result.data.log_retention.effective_days)}.`);
    router.refresh();
  }

  return (
    <form
      ref={focus.ref}
      className="ws-settings-form"
      aria-label="Log retention"
      onSubmit={submit}
      onChange={(e) => setErrors((current) => withoutErrorOf(current, e.target))}
      noValidate
    >
      {formErrors.length ? (
        <div role="alert" className="alert-error">
          {formErrors.join(" ")}
        </div>
      ) : null}
      <Select
        label="Keep request logs"
        name="mode"
        value={mode}
        onChange={(e) => setMode(e.target.value as Mode)}
        options={[
          { value: "default", label: defaultRetentionLabel(defaultDays) },
          { value: "days", label: "A number of days" },
          { value: "forever", label: "Every log, forever" },
        ]}
      />
      {mode === "days" ? (
        <TextInput
          label="Days"
          name="log_retention_days"
          inputMode="numeric"
          defaultValue={days && days > 0 ? String(days) : ""}
          required
          autoComplete="off"
          error={errors.log_retention_days}
          hint="Logs older than this are deleted in the background, with their attempts. Analytics keep their totals."
        />
      ) : null}
      <Button type="submit" variant="primary" disabled={pending}>
        {pending ? "Saving…" : "Save"}
      </Button>
    </form>
  );
}
