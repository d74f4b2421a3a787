"use client";

import { Button } from "@/components/ui/button";
import { Select } from "@/components/ui/select";
import type { BuilderContext } from "./builder-context";
import type { Json, Path } from "./draft";
import { isRecord } from "@/lib/is-record";
import { JsonObjectField } from "./json-object-field";

/** A conditional node's rules: each a query and the name of the target it routes to, plus a default. */
export function ConditionsEditor({
  strategy,
  targets,
  path,
  ctx,
}: {
  strategy: Json;
  targets: unknown[];
  path: Path;
  ctx: BuilderContext;
}) {
  const conditions: unknown[] = Array.isArray(strategy.conditions) ? strategy.conditions : [];
  const condPath = [...path, "strategy", "conditions"];
  const names = targets.map((t) => (isRecord(t) && typeof t.name === "string" ? t.name : "")).filter(Boolean);
  const nameOptions = (current: unknown) => [
    { value: "", label: names.length ? "Choose a target…" : "Name the targets first" },
    ...names.map((n) => ({ value: n, label: n })),
    ...(typeof current === "string" && current && !names.includes(current)
      ? [{ value: current, label: `${current} (no such target)` }]
      : []),
  ];

  return (
    <fieldset className="cfg-subset">
      <legend>Conditions</legend>
      {ctx.issues.at(condPath) ? <p className="field-error">{ctx.issues.at(condPath)}</p> : null}
      <ol className="cfg-conditions">
        {conditions.map((c, index) => {
          const cond = isRecord(c) ? c : {};
          const at = [...condPath, index];
          const n = index + 1;
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: a condition is its position in the draft (its path and its label "Condition n"); its fields read the draft
            <li key={index} className="cfg-condition">
              <JsonObjectField
                label={`Condition ${n} query`}
                value={cond.query}
                onChange={(next) => ctx.update([...at, "query"], next)}
                error={ctx.issues.under([...at, "query"])}
                placeholder={'{"metadata.tier": {"$eq": "pro"}}'}
              />
              <Select
                label={`Condition ${n} routes to`}
                value={typeof cond.then === "string" ? cond.then : ""}
                onChange={(e) => ctx.update([...at, "then"], e.target.value || undefined)}
                options={nameOptions(cond.then)}
                error={ctx.issues.at([...at, "then"])}
              />
              <Button
                size="sm"
                variant="ghost"
                className="btn-icon cfg-condition-remove"
                aria-label={`Remove condition ${n}`}
                title={`Remove condition ${n}`}
                onClick={() => ctx.update(condPath, conditions.length > 1 ? conditions.filter((_, i) => i !== index) : undefined)}
              >
                <svg
                  width="12"
                  height="12"
                  viewBox="0 0 24 24"
                  aria-hidden="true"
                  fill="none"
                  stroke="currentColor"
                  strokeWidth="2.6"
                  strokeLinecap="round"
                >
                  <path d="M6 6l12 12M18 6L6 18" />
                </svg>
              </Button>
            </li>
          );
        })}
      </ol>
      <div className="cfg-add-row">
        <Button size="sm" onClick={() => ctx.update(condPath, [...conditions, { query: {}, then: names[0] ?? "" }])}>
          Add condition
        </Button>
      </div>
      <Select
        label="Default target"
        aside="when no condition matches"
        value={typeof strategy.default === "string" ? strategy.default : ""}
        onChange={(e) => ctx.update([...path, "strategy", "default"], e.target.value || undefined)}
        options={[{ value: "", label: "None: answer 400" }, ...nameOptions(strategy.default).slice(1)]}
        error={ctx.issues.at([...path, "strategy", "default"])}
      />
    </fieldset>
  );
}
