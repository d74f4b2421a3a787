"use client";

import { TextInput } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { AFFINITY_ON_ORIGIN_FAILURE, CACHE_MODES, MAX_RETRY_ATTEMPTS, MAX_REQUEST_TIMEOUT_MS } from "@/lib/gateway/config/schema";
import { controlId, numberOrUndefined, type BuilderContext } from "./builder-context";
import { withoutEmpty, type Json, type Path } from "./draft";
import { isRecord } from "@/lib/is-record";
import { JsonObjectField } from "./json-object-field";
import { StatusCodesInput } from "./status-codes-input";

const CACHE_LABELS: Record<string, string> = { simple: "Simple: identical requests answered from memory" };

const ORIGIN_FAILURE_LABELS: Record<(typeof AFFINITY_ON_ORIGIN_FAILURE)[number], string> = {
  error: "Answer 503: the conversation stays where it is",
  fallback_without_state: "Fall back without the conversation's state",
};

/** Retry, cache, request timeout and override params: settings every node may carry (children inherit them). */
export function CommonFields({ node, path, ctx }: { node: Json; path: Path; ctx: BuilderContext }) {
  const retry: Json = isRecord(node.retry) ? node.retry : {};
  const retryPath = [...path, "retry"];
  const setRetry = (key: string, value: unknown) => {
    const next: Json = { ...retry };
    if (value === undefined) delete next[key];
    else next[key] = value;
    ctx.update(retryPath, withoutEmpty(next));
  };
  const retryError = ctx.issues.at(retryPath);
  const attempts = retry.attempts;

  const cache: Json | undefined = isRecord(node.cache) ? node.cache : undefined;
  const cachePath = [...path, "cache"];
  const cacheMode = node.cache === undefined ? "" : typeof cache?.mode === "string" ? cache.mode : "simple";
  const cacheOptions = [
    { value: "", label: "Off" },
    ...CACHE_MODES.map((m) => ({ value: m, label: CACHE_LABELS[m] ?? m })),
    ...(cacheMode && !(CACHE_MODES as readonly string[]).includes(cacheMode)
      ? [{ value: cacheMode, label: `${cacheMode} (not supported)` }]
      : []),
  ];
  const maxAge = cache?.max_age;
  const setCacheMode = (mode: string) => ctx.update(cachePath, mode === "" ? undefined : { ...(cache ?? {}), mode });

  // Conversation affinity is read at the config's top level only.
  const affinityPath = [...path, "affinity"];
  const affinity: Json | undefined = isRecord(node.affinity) ? node.affinity : undefined;
  const onOriginFailure = typeof affinity?.on_origin_failure === "string" ? affinity.on_origin_failure : "error";
  const originOptions = [
    ...AFFINITY_ON_ORIGIN_FAILURE.map((v) => ({ value: v, label: ORIGIN_FAILURE_LABELS[v] })),
    ...(!(AFFINITY_ON_ORIGIN_FAILURE as readonly string[]).includes(onOriginFailure)
      ? [{ value: onOriginFailure, label: `${onOriginFailure} (not supported)` }]
      : []),
  ];
  const setOnOriginFailure = (value: string) =>
    ctx.update(affinityPath, value === "error" ? undefined : { ...(affinity ?? {}), on_origin_failure: value });

  return (
    <>
      <fieldset className="cfg-subset">
        <legend>Retry</legend>
        {retryError ? <p className="field-error">{retryError}</p> : null}
        <div className="cfg-grid-3">
          <TextInput
            label="Retry attempts"
            id={controlId(path, "retry-attempts")}
            type="number"
            inputMode="numeric"
            min={0}
            max={MAX_RETRY_ATTEMPTS}
            value={typeof attempts === "number" || typeof attempts === "string" ? String(attempts) : ""}
            onChange={(e) =>
              setRetry("attempts", numberOrUndefined(e.target.value) ?? (e.target.value.trim() ? e.target.value : undefined))
            }
            error={ctx.issues.under([...retryPath, "attempts"])}
            hint={`0 to ${MAX_RETRY_ATTEMPTS}; empty means no retry.`}
          />
          <StatusCodesInput
            label="Retry on status codes"
            value={retry.on_status_codes}
            onChange={(codes) => setRetry("on_status_codes", codes)}
            error={ctx.issues.under([...retryPath, "on_status_codes"])}
            hint="Empty: 429, 500, 502, 503, 504."
            placeholder="default"
          />
          <div className="field cfg-check">
            <label>
              <input
                type="checkbox"
                checked={retry.use_retry_after_header === true}
                onChange={(e) => setRetry("use_retry_after_header", e.target.checked ? true : undefined)}
              />
              Honour Retry-After
            </label>
            <div className="field-hint">Wait as long as the provider asks (retry-after, retry-after-ms).</div>
            {ctx.issues.at([...retryPath, "use_retry_after_header"]) ? (
              <div className="field-error">{ctx.issues.at([...retryPath, "use_retry_after_header"])}</div>
            ) : null}
          </div>
        </div>
      </fieldset>
      <div className="ui-form-grid">
        <Select
          label="Cache"
          id={controlId(path, "cache-mode")}
          value={cacheMode}
          onChange={(e) => setCacheMode(e.target.value)}
          options={cacheOptions}
          error={ctx.issues.under([...cachePath, "mode"]) ?? ctx.issues.at(cachePath)}
          hint="Off: every request goes to the provider."
        />
        {node.cache !== undefined ? (
          <TextInput
            label="Cache max age (seconds)"
            aside="optional"
            id={controlId(path, "cache-max-age")}
            type="number"
            inputMode="numeric"
            min={1}
            value={typeof maxAge === "number" || typeof maxAge === "string" ? String(maxAge) : ""}
            onChange={(e) =>
              ctx.update(
                [...cachePath, "max_age"],
                numberOrUndefined(e.target.value) ?? (e.target.value.trim() ? e.target.value : undefined),
              )
            }
            error={ctx.issues.under([...cachePath, "max_age"])}
            hint="How long a cached answer is served; empty: 7 days."
          />
        ) : null}
        {path.length === 0 ? (
          <Select
            label="Responses API: a follow-up's target fails"
            id={controlId(path, "affinity-on-origin-failure")}
            value={onOriginFailure}
            onChange={(e) => setOnOriginFailure(e.target.value)}
            options={originOptions}
            error={ctx.issues.under(affinityPath)}
            hint="A previous_response_id or conversation lives on the account that created it. Falling back sends only this request's input elsewhere."
          />
        ) : null}
      </div>
      <div className="ui-form-grid">
        <TextInput
          label="Request timeout (ms)"
          aside="optional"
          type="number"
          inputMode="numeric"
          min={1}
          max={MAX_REQUEST_TIMEOUT_MS}
          value={typeof node.request_timeout === "number" || typeof node.request_timeout === "string" ? String(node.request_timeout) : ""}
          onChange={(e) =>
            ctx.update(
              [...path, "request_timeout"],
              numberOrUndefined(e.target.value) ?? (e.target.value.trim() ? e.target.value : undefined),
            )
          }
          error={ctx.issues.at([...path, "request_timeout"])}
          hint="Per attempt, until the response headers arrive; on expiry the attempt counts as 408."
        />
        <JsonObjectField
          label="Override params"
          aside="optional"
          value={node.override_params}
          onChange={(next) => ctx.update([...path, "override_params"], next)}
          error={ctx.issues.under([...path, "override_params"])}
          placeholder={'{"temperature": 0.2}'}
          hint="Merged over the request body; a child's win over its parent's."
        />
      </div>
    </>
  );
}
