"use client";

import { Button } from "@/components/ui/button";
import { TextInput } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { BALANCE_BY, STRATEGY_MODES, type BalanceBy, type StrategyMode } from "@/lib/gateway/config/schema";
import { controlId, numberOrUndefined, type BuilderContext } from "./builder-context";
import { CommonFields } from "./common-fields";
import type { Json, Path } from "./draft";
import { isRecord } from "@/lib/is-record";
import { sourceBadge, targetRoles, targetSource } from "@/lib/dashboard/config-summary";
import { Badge } from "@/components/ui/badge";
import { ConditionsEditor } from "./conditions-editor";
import { StatusCodesInput } from "./status-codes-input";
import { DIRECT_KEYS, TargetSourceFields, withoutKeys } from "./target-fields";

const MODE_LABELS: Record<StrategyMode, string> = {
  single: "Single: the first target",
  fallback: "Fallback: targets in order",
  loadbalance: "Load balance: one target per request",
  conditional: "Conditional: by metadata or params",
};
const MODE_OPTIONS = [
  { value: "", label: "None: this is one target" },
  ...STRATEGY_MODES.map((m) => ({ value: m, label: MODE_LABELS[m] })),
];
const BY_LABELS: Record<BalanceBy, string> = {
  weight: "Weight: a random draw by weight",
  latency: "Latency: the fastest target (weights break ties)",
  in_flight: "In flight: the least busy target per unit of weight",
};
const BY_OPTIONS = BALANCE_BY.map((b) => ({ value: b, label: BY_LABELS[b] }));
const SOURCE_KEYS = ["virtual_key", ...DIRECT_KEYS] as const;

/** The Select's value for a `strategy.mode` Detour does not have. */
const UNKNOWN_MODE = "__unknown__";

/**
 * The JSON's `strategy.mode` as text when it is not a mode Detour has (a typo such as "fallbak",
 * a number, or none under a strategy object), else null. The form then shows that value and the
 * schema's error at the mode, and nothing of any other mode: it never reads it as "single".
 */
export function unknownMode(node: Json): string | null {
  if (!isRecord(node.strategy)) return null;
  const mode = node.strategy.mode;
  if (typeof mode === "string" && (STRATEGY_MODES as readonly string[]).includes(mode)) return null;
  return mode === undefined ? "no mode" : `“${typeof mode === "string" ? mode : JSON.stringify(mode)}”`;
}

export function nodeMode(node: Json): StrategyMode | "" {
  const mode = isRecord(node.strategy) ? node.strategy.mode : undefined;
  return typeof mode === "string" && (STRATEGY_MODES as readonly string[]).includes(mode)
    ? (mode as StrategyMode)
    : node.targets !== undefined
      ? "single"
      : "";
}

/**
 * One node of the config tree: the root, or a target (which may itself be a strategy with nested
 * targets). Its own settings sit in a group "<label> settings"; its targets in "<label> targets".
 */
export function NodeEditor({
  node,
  path,
  label,
  parentMode,
  ctx,
}: {
  node: Json;
  path: Path;
  label: string;
  parentMode?: StrategyMode | "";
  ctx: BuilderContext;
}) {
  const mode = nodeMode(node);
  const unknown = unknownMode(node);
  const isRoot = path.length === 0;
  const strategy: Json = isRecord(node.strategy) ? node.strategy : {};
  const targets: unknown[] = Array.isArray(node.targets) ? node.targets : [];

  function switchMode(next: string) {
    if (next === "") {
      // Back to one target: the first target's source moves up.
      const first = isRecord(targets[0]) ? targets[0] : {};
      const source = Object.fromEntries(SOURCE_KEYS.filter((k) => first[k] !== undefined).map((k) => [k, first[k]]));
      ctx.update(path, { ...withoutKeys(node, ["strategy", "targets"]), ...source });
      return;
    }
    const nextStrategy: Json = { mode: next };
    if (next === "fallback" && strategy.on_status_codes !== undefined) nextStrategy.on_status_codes = strategy.on_status_codes;
    if (next === "loadbalance" && strategy.by !== undefined) nextStrategy.by = strategy.by;
    if ((next === "fallback" || next === "loadbalance") && strategy.hedge !== undefined) nextStrategy.hedge = strategy.hedge;
    if (next === "conditional") {
      for (const k of ["conditions", "default"]) if (strategy[k] !== undefined) nextStrategy[k] = strategy[k];
    }
    let nextTargets = targets;
    if (!nextTargets.length) {
      const source = Object.fromEntries(SOURCE_KEYS.filter((k) => node[k] !== undefined).map((k) => [k, node[k]]));
      nextTargets = [source, {}];
    }
    ctx.update(path, { ...withoutKeys(node, SOURCE_KEYS), strategy: nextStrategy, targets: nextTargets });
  }

  const settings = (
    <fieldset aria-label={`${label} settings`} className="cfg-node-settings">
      {!isRoot ? (
        <div className="ui-form-grid">
          <TextInput
            label="Target name"
            aside={parentMode === "conditional" ? "conditions route here by name" : "optional"}
            value={typeof node.name === "string" ? node.name : ""}
            onChange={(e) => ctx.update([...path, "name"], e.target.value === "" ? undefined : e.target.value)}
            error={ctx.issues.at([...path, "name"])}
            autoComplete="off"
          />
          {parentMode === "loadbalance" ? (
            <TextInput
              label="Weight"
              type="number"
              min={0}
              step="any"
              value={typeof node.weight === "number" || typeof node.weight === "string" ? String(node.weight) : ""}
              placeholder="1"
              onChange={(e) =>
                ctx.update([...path, "weight"], numberOrUndefined(e.target.value) ?? (e.target.value.trim() ? e.target.value : undefined))
              }
              error={ctx.issues.at([...path, "weight"])}
              hint="Drawn with probability weight / total; 0 is never drawn."
            />
          ) : null}
          {parentMode === "fallback" || node.on_status_codes !== undefined ? (
            <StatusCodesInput
              label="This target's fallback status codes"
              aside="optional"
              value={node.on_status_codes}
              onChange={(codes) => ctx.update([...path, "on_status_codes"], codes)}
              error={ctx.issues.under([...path, "on_status_codes"])}
              hint={
                parentMode === "fallback"
                  ? "Overrides the parent fallback's list for this target only; empty: the parent's list applies."
                  : "Only read under a fallback strategy: this target's parent is not one."
              }
              placeholder="parent's list"
            />
          ) : null}
        </div>
      ) : node.on_status_codes !== undefined ? (
        <div className="ui-form-grid">
          <StatusCodesInput
            label="This target's fallback status codes"
            value={node.on_status_codes}
            onChange={(codes) => ctx.update([...path, "on_status_codes"], codes)}
            error={ctx.issues.under([...path, "on_status_codes"])}
            hint="Only a target under a fallback strategy takes its own list; use Fallback on status codes below."
          />
        </div>
      ) : null}
      <div className="ui-form-grid">
        <Select
          label="Strategy mode"
          id={controlId(path, "mode")}
          value={unknown === null ? mode : UNKNOWN_MODE}
          onChange={(e) => {
            if (e.target.value !== UNKNOWN_MODE) switchMode(e.target.value);
          }}
          options={unknown === null ? MODE_OPTIONS : [{ value: UNKNOWN_MODE, label: `${unknown}: not a strategy mode` }, ...MODE_OPTIONS]}
          error={ctx.issues.under([...path, "strategy", "mode"]) ?? ctx.issues.at([...path, "strategy"])}
        />
        {unknown === null && mode === "fallback" ? (
          <StatusCodesInput
            label="Fallback on status codes"
            value={strategy.on_status_codes}
            onChange={(codes) => ctx.update([...path, "strategy", "on_status_codes"], codes)}
            error={ctx.issues.under([...path, "strategy", "on_status_codes"])}
            hint="Empty: any non-2xx (timeouts and network errors too) moves to the next target."
            placeholder="any non-2xx"
          />
        ) : null}
        {unknown === null && mode === "loadbalance" ? (
          <Select
            label="Draw by"
            id={controlId(path, "by")}
            value={typeof strategy.by === "string" ? strategy.by : "weight"}
            onChange={(e) => ctx.update([...path, "strategy", "by"], e.target.value === "weight" ? undefined : e.target.value)}
            options={
              typeof strategy.by === "string" && !(BALANCE_BY as readonly string[]).includes(strategy.by)
                ? [{ value: strategy.by, label: `“${strategy.by}”: not a choice` }, ...BY_OPTIONS]
                : BY_OPTIONS
            }
            error={ctx.issues.under([...path, "strategy", "by"])}
          />
        ) : null}
        {unknown === null && (mode === "fallback" || mode === "loadbalance") ? (
          <HedgeFields strategy={strategy} path={path} ctx={ctx} />
        ) : null}
      </div>
      {unknown === null && mode === "conditional" ? <ConditionsEditor strategy={strategy} targets={targets} path={path} ctx={ctx} /> : null}
      {mode === "" ? <TargetSourceFields node={node} path={path} ctx={ctx} /> : null}
      {isRoot ? (
        <CommonFields node={node} path={path} ctx={ctx} />
      ) : (
        <details
          className="cfg-more"
          open={
            hasCommon(node) ||
            !!ctx.issues.under([...path, "retry"]) ||
            !!ctx.issues.under([...path, "cache"]) ||
            !!ctx.issues.at([...path, "request_timeout"]) ||
            !!ctx.issues.under([...path, "override_params"]) ||
            undefined
          }
        >
          <summary>Retry, cache, timeout and override params{hasCommon(node) ? " (set)" : ""}</summary>
          <CommonFields node={node} path={path} ctx={ctx} />
        </details>
      )}
    </fieldset>
  );

  if (mode === "") return settings;
  return (
    <>
      {settings}
      <TargetList
        targets={targets}
        roles={targetRoles(node)}
        path={path}
        label={label}
        mode={mode}
        modeUnknown={unknown !== null}
        ctx={ctx}
      />
    </>
  );
}

const HEDGE_OPTIONS = [
  { value: "off", label: "Off: one attempt at a time" },
  { value: "ms", label: "After a fixed delay" },
  { value: "p95", label: "After the target's p95 time to answer" },
];
const HEDGE_MAX_OPTIONS = [1, 2, 3].map((n) => ({ value: String(n), label: n === 1 ? "1 more attempt" : `${n} more attempts` }));
/** The delay a new hedge starts with (the p95's fallback delay too). */
const DEFAULT_HEDGE_MS = 2000;

/**
 * `strategy.hedge` of a fallback or loadbalance (docs/GATEWAY.md §5.11): off, after N ms, or after
 * the running target's p95; and how many more attempts may run at once.
 */
function HedgeFields({ strategy, path, ctx }: { strategy: Json; path: Path; ctx: BuilderContext }) {
  const hedge = isRecord(strategy.hedge) ? strategy.hedge : undefined;
  const hedgePath = [...path, "strategy", "hedge"];
  const kind = hedge === undefined ? "off" : hedge.after_ms === "p95" ? "p95" : "ms";
  const keep = hedge && hedge.max !== undefined ? { max: hedge.max } : {};
  const allow = hedge && hedge.allow_non_idempotent !== undefined ? { allow_non_idempotent: hedge.allow_non_idempotent } : {};
  return (
    <>
      <Select
        label="Hedge"
        id={controlId(path, "hedge")}
        value={kind}
        onChange={(e) => {
          const next = e.target.value;
          if (next === "off") ctx.update(hedgePath, undefined);
          else
            ctx.update(hedgePath, {
              after_ms: next === "p95" ? "p95" : typeof hedge?.after_ms === "number" ? hedge.after_ms : DEFAULT_HEDGE_MS,
              ...keep,
              ...allow,
            });
        }}
        options={HEDGE_OPTIONS}
        error={ctx.issues.at(hedgePath)}
        hint={
          kind === "p95"
            ? "Each target's p95 is learnt from its answers; until a target has 20, the hedge waits 2000 ms."
            : "Sends the same request to another target too when the running one has not answered in time; the first answer wins, the other is cancelled (and may still be billed)."
        }
      />
      {kind === "ms" ? (
        <TextInput
          label="Hedge after (ms)"
          id={controlId(path, "hedge-after")}
          type="number"
          min={1}
          step={1}
          value={typeof hedge?.after_ms === "number" || typeof hedge?.after_ms === "string" ? String(hedge.after_ms) : ""}
          onChange={(e) =>
            ctx.update(
              [...hedgePath, "after_ms"],
              numberOrUndefined(e.target.value) ?? (e.target.value.trim() ? e.target.value : undefined),
            )
          }
          error={ctx.issues.under([...hedgePath, "after_ms"])}
        />
      ) : null}
      {kind !== "off" ? (
        <Select
          label="Hedge at most"
          id={controlId(path, "hedge-max")}
          value={typeof hedge?.max === "number" ? String(hedge.max) : "1"}
          onChange={(e) => ctx.update([...hedgePath, "max"], e.target.value === "1" ? undefined : Number(e.target.value))}
          options={HEDGE_MAX_OPTIONS}
          error={ctx.issues.under([...hedgePath, "max"])}
        />
      ) : null}
    </>
  );
}

function TargetList({
  targets,
  roles,
  path,
  label,
  mode,
  modeUnknown,
  ctx,
}: {
  targets: unknown[];
  /** What each target is for under this mode ("Primary", "Fallback 1"...): config-summary.ts. */
  roles: string[];
  path: Path;
  label: string;
  mode: StrategyMode;
  /** The strategy's mode is not one Detour has: the list says so rather than how a mode uses it. */
  modeUnknown: boolean;
  ctx: BuilderContext;
}) {
  const listPath = [...path, "targets"];
  const nameOf = (i: number) => (path.length === 0 ? `Target ${i + 1}` : `${label}.${i + 1}`);
  const listError = ctx.issues.at(listPath);

  function move(from: number, to: number, what: "up" | "down") {
    const next = [...targets];
    const [item] = next.splice(from, 1);
    next.splice(to, 0, item);
    ctx.update(listPath, next);
    // The focus follows the moved target (or stays on the other arrow at the end of the list).
    requestAnimationFrame(() => {
      const button = document.getElementById(controlId([...listPath, to], what)) as HTMLButtonElement | null;
      (button && !button.disabled ? button : document.getElementById(controlId([...listPath, to], what === "up" ? "down" : "up")))?.focus();
    });
  }

  function remove(index: number) {
    ctx.update(
      listPath,
      targets.filter((_, i) => i !== index),
    );
    requestAnimationFrame(() => document.getElementById(controlId(listPath, "add"))?.focus());
  }

  return (
    <fieldset aria-label={`${label} targets`} className="cfg-targets">
      <h3 className="cfg-targets-title">
        {path.length === 0 ? "Targets" : `Targets of ${label}`}{" "}
        <span className="muted">
          {modeUnknown
            ? "how they are used depends on the strategy mode, which is not valid"
            : mode === "fallback"
              ? "tried in this order"
              : mode === "single"
                ? "the first one serves"
                : mode === "loadbalance"
                  ? "one drawn per request"
                  : "chosen by the conditions"}
        </span>
      </h3>
      {listError ? <p className="field-error">{listError}</p> : null}
      <ol className="cfg-target-list">
        {targets.map((child, index) => {
          const name = nameOf(index);
          const childPath = [...listPath, index];
          const childNode = isRecord(child) ? child : {};
          const source = targetSource(child, ctx.keyProviders);
          const roleId = controlId(childPath, "role");
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: a target is its position in the draft (its path config.targets[i], which issues and control ids name); its fields read the draft
            <li key={index}>
              <fieldset className="cfg-node" aria-invalid={ctx.issues.under(childPath) ? true : undefined} aria-describedby={roleId}>
                <legend>{name}</legend>
                {/* What the target is for and where it goes: read with the group's name ("Target 1", then "Primary, OpenAI"). */}
                <p className="cfg-node-role" id={roleId}>
                  {roles[index] ? (
                    <>
                      <span className="cfg-role">{roles[index]}</span>
                      <span className="sr-only">, </span>
                    </>
                  ) : null}
                  <Badge
                    tone={
                      source.kind === "unknown_key"
                        ? "danger"
                        : source.kind === "none"
                          ? "warn"
                          : source.kind === "provider"
                            ? "info"
                            : "neutral"
                    }
                    title={
                      source.kind === "provider"
                        ? source.via === "virtual_key"
                          ? `through virtual key ${isRecord(child) ? String(child.virtual_key) : ""}`
                          : "provider named in the config"
                        : undefined
                    }
                  >
                    {sourceBadge(source)}
                  </Badge>
                </p>
                <div className="cfg-node-tools">
                  <Button
                    variant="ghost"
                    size="sm"
                    className="btn-icon"
                    id={controlId(childPath, "up")}
                    aria-label={`Move ${name} up`}
                    title={`Move ${name} up`}
                    disabled={index === 0}
                    onClick={() => move(index, index - 1, "up")}
                  >
                    <Arrow up />
                  </Button>
                  <Button
                    variant="ghost"
                    size="sm"
                    className="btn-icon"
                    id={controlId(childPath, "down")}
                    aria-label={`Move ${name} down`}
                    title={`Move ${name} down`}
                    disabled={index === targets.length - 1}
                    onClick={() => move(index, index + 1, "down")}
                  >
                    <Arrow />
                  </Button>
                  <Button
                    variant="ghost"
                    size="sm"
                    className="btn-icon"
                    aria-label={`Remove ${name}`}
                    title={`Remove ${name}`}
                    onClick={() => remove(index)}
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
                </div>
                {isRecord(child) || child === undefined ? null : (
                  <p className="field-error">{ctx.issues.at(childPath) ?? "must be an object"}</p>
                )}
                <NodeEditor node={childNode} path={childPath} label={name} parentMode={mode} ctx={ctx} />
              </fieldset>
            </li>
          );
        })}
      </ol>
      <div className="cfg-add-row">
        <Button size="sm" id={controlId(listPath, "add")} onClick={() => ctx.update(listPath, [...targets, {}])}>
          Add target{path.length === 0 ? "" : ` to ${label}`}
        </Button>
        <Button
          size="sm"
          variant="ghost"
          onClick={() => ctx.update(listPath, [...targets, { strategy: { mode: "fallback" }, targets: [{}, {}] }])}
        >
          Add nested strategy{path.length === 0 ? "" : ` to ${label}`}
        </Button>
      </div>
    </fieldset>
  );
}

function hasCommon(node: Json): boolean {
  return node.retry !== undefined || node.cache !== undefined || node.request_timeout !== undefined || node.override_params !== undefined;
}

function Arrow({ up = false }: { up?: boolean }) {
  return (
    <svg
      width="12"
      height="12"
      viewBox="0 0 24 24"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth="2.6"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <path d={up ? "M12 19V5M5 12l7-7 7 7" : "M12 5v14M5 12l7 7 7-7"} />
    </svg>
  );
}
