"use client";

import "@/lib/browser/zod-jitless"; // first: zod must not probe for eval under the CSP
import { useRouter } from "next/navigation";
import { useMemo, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { TextInput } from "@/components/ui/field";
import { sendJson } from "@/lib/browser/submit-json";
import { notify } from "@/components/ui/toast";
import { CONFIG_NAME_MAX } from "@/lib/api/config-schemas";
import { normalizeConfigKeys } from "@/lib/gateway/config/keys";
import { formatIssuePath, parseConfig, type ConfigIssue } from "@/lib/gateway/config/schema";
import type { BuilderContext, VirtualKeyOption } from "./builder-context";
import { indexIssues, prettyJson, setIn, type Json, type Path } from "./draft";
import { isRecord } from "@/lib/is-record";
import { checkRunnable } from "@/lib/dashboard/config-runnable";
import { jsonSyntaxError, locatePath, parseIssuePath } from "@/lib/dashboard/config-json";
import { summarizeConfig } from "@/lib/dashboard/config-summary";
import { providerLabel } from "@/lib/gateway/providers/catalog";
import { useCan } from "../../_components/role";
import { ConfigTestPanel } from "../../_components/config-test-panel";
import { type EditorDiagnostic, JsonEditor } from "./json-editor";
import { NodeEditor } from "./node-editor";
import { budgetErrors, budgetFromInput, budgetValuesOf, EMPTY_BUDGET_FORM } from "@/lib/dashboard/budget-input";
import { BudgetFields, type BudgetFieldErrors } from "../../_components/budget-fields";

type Saved = { slug: string; version: number };

/**
 * The config builder: a form for the whole config and its JSON, kept in step both ways (one draft
 * object; the JSON text follows the form, and valid JSON typed in the view replaces the draft).
 * Validated live by the engine's own schema; each issue shows at its field and in the JSON view.
 * A new config may get a budget with it (saved in the same request); an existing config's budget
 * is edited on its page (not part of a version).
 */
export function ConfigBuilder({
  slug,
  initialName,
  initialConfig,
  virtualKeys,
}: {
  slug?: string;
  initialName: string;
  initialConfig: Json;
  virtualKeys: VirtualKeyOption[];
}) {
  const router = useRouter();
  const formRef = useRef<HTMLFormElement>(null);
  const [name, setName] = useState(initialName);
  const [draft, setDraft] = useState<unknown>(initialConfig);
  const [jsonText, setJsonText] = useState(() => prettyJson(initialConfig));
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [serverIssues, setServerIssues] = useState<ConfigIssue[]>([]);
  // Keys the JSON view gave in both spellings with different values (normalisation keeps the first).
  const [keyIssues, setKeyIssues] = useState<ConfigIssue[]>([]);
  const [nameError, setNameError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [budgetIssues, setBudgetIssues] = useState<BudgetFieldErrors>({});
  const [pending, setPending] = useState(false);
  const editing = slug !== undefined;
  const savedText = useMemo(() => prettyJson(initialConfig), [initialConfig]);
  const changed = !editing || name.trim() !== initialName || prettyJson(draft) !== savedText;

  const parsed = useMemo(() => parseConfig(draft), [draft]);
  // The gateway's checks beyond the schema: the workspace's virtual keys, and targets with no credentials.
  const activeSlugs = useMemo(() => new Set(virtualKeys.map((k) => k.slug)), [virtualKeys]);
  const runnable = useMemo(() => checkRunnable(draft, activeSlugs), [draft, activeSlugs]);
  const issues = useMemo(
    () => indexIssues([...keyIssues, ...(parsed.ok ? [] : parsed.issues), ...runnable.issues, ...serverIssues]),
    [keyIssues, parsed, runnable, serverIssues],
  );
  const valid = parsed.ok && !keyIssues.length && !runnable.issues.length;
  const canEdit = useCan("member");
  const keyProviders = useMemo(() => new Map(virtualKeys.map((k) => [k.slug, k.provider])), [virtualKeys]);
  const slugs = useMemo(
    () => virtualKeys.map((k) => ({ slug: k.slug, detail: `${providerLabel(k.provider)} · ${k.name}` })),
    [virtualKeys],
  );
  const summary = useMemo(() => summarizeConfig(draft, keyProviders), [draft, keyProviders]);
  // Each problem at its place in the text: the syntax error where parsing stops, an issue at its path.
  const diagnostics = useMemo((): EditorDiagnostic[] => {
    if (jsonError) {
      const at = jsonSyntaxError(jsonText);
      return at ? [{ from: at.pos, to: at.pos + 1, message: jsonError }] : [];
    }
    return issues.all.flatMap((issue) => {
      const place = locatePath(jsonText, parseIssuePath(issue.path));
      return place ? [{ from: place.from, to: place.to, message: `${issue.path || "config"}: ${issue.message}` }] : [];
    });
  }, [jsonError, jsonText, issues]);

  const ctx: BuilderContext = {
    issues,
    keyProviders,
    virtualKeys,
    update: (path: Path, value: unknown) => {
      setDraft((current: unknown) => {
        const next = setIn(current, path, value);
        setJsonText(prettyJson(next));
        return next;
      });
      setJsonError(null);
      setKeyIssues([]);
      setServerIssues([]);
      setFormError(null);
    },
  };

  function onJsonChange(text: string) {
    setJsonText(text);
    setServerIssues([]);
    setFormError(null);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      setJsonError(`Not valid JSON: ${err instanceof Error ? err.message : String(err)}. The form shows the last valid config.`);
      return;
    }
    setJsonError(null);
    // The form works on snake_case: camelCase keys (onStatusCodes, virtualKey…) are renamed the
    // way the engine does before the draft takes the value.
    const normalized = normalizeConfigKeys(value);
    setKeyIssues(normalized.conflicts.map((c) => ({ path: formatIssuePath(c.path), message: c.message })));
    setDraft(normalized.value);
  }

  function focusFirstInvalid() {
    requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>("[aria-invalid='true']:is(input, select, textarea)")?.focus());
  }

  async function save(event: React.FormEvent) {
    event.preventDefault();
    setFormError(null);
    if (jsonError || !valid || !name.trim()) {
      if (!name.trim()) setNameError("is required: a name people recognise, e.g. “chat fallback”");
      setFormError(
        jsonError
          ? "The JSON view does not parse: fix it or use the form."
          : !valid
            ? `Fix ${issues.all.length === 1 ? "the problem" : `the ${issues.all.length} problems`} shown at the fields before saving.`
            : null,
      );
      focusFirstInvalid();
      return;
    }
    setPending(true);
    const form = new FormData(formRef.current ?? undefined);
    const budget = editing ? null : budgetFromInput(budgetValuesOf((field) => String(form.get(field) ?? "")));
    const body = editing
      ? { ...(name.trim() !== initialName ? { name: name.trim() } : {}), config: draft }
      : { name: name.trim(), config: draft, ...(budget ? { budget } : {}) };
    const result = await sendJson<Saved>(
      editing ? `/v1/configs/${encodeURIComponent(slug)}` : "/v1/configs",
      editing ? "PUT" : "POST",
      body,
    );
    setPending(false);
    if (!result.ok) {
      const fromServer: ConfigIssue[] = [];
      for (const [path, message] of Object.entries(result.fieldErrors)) {
        if (path === "name") setNameError(message);
        else if (path === "config" || path.startsWith("config.") || path.startsWith("config["))
          fromServer.push({ path: path.replace(/^config\.?/, ""), message });
      }
      setServerIssues(fromServer);
      setBudgetIssues(budgetErrors(result.fieldErrors));
      setFormError(result.message);
      focusFirstInvalid();
      return;
    }
    notify(editing ? `Saved version ${result.data.version} of “${name.trim()}”.` : `Created “${name.trim()}” (${result.data.slug}).`);
    router.push(`/configs/${result.data.slug}?saved=${result.data.version}`);
    router.refresh();
  }

  const jsonHint = jsonError ? undefined : valid && !serverIssues.length ? (
    runnable.needHeaders.length ? (
      <span className="cfg-valid">
        Valid, and runs only when each request sends its credentials (<code>x-portkey-virtual-key</code>, or <code>x-portkey-provider</code>{" "}
        with the provider&apos;s key); otherwise it is refused with 400 <code>no_credentials</code>:{" "}
        {runnable.needHeaders.map((n) => (
          <span key={n.path} className="cfg-issue">
            <code>{n.path}</code> {n.why}
          </span>
        ))}
      </span>
    ) : (
      <span className="cfg-valid">Valid: the gateway can run this config.</span>
    )
  ) : (
    <span className="cfg-issue-list">
      {issues.all.length === 1 ? "1 problem:" : `${issues.all.length} problems:`}
      {issues.all.map((issue) => (
        <span key={`${issue.path}:${issue.message}`} className="cfg-issue">
          <code>{issue.path || "config"}</code> {issue.message}
        </span>
      ))}
    </span>
  );

  return (
    <form
      ref={formRef}
      className="cfg-builder"
      onSubmit={save}
      noValidate
      aria-label={editing ? "Edit config" : "New config"}
      onKeyDown={(e) => {
        if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
          e.preventDefault();
          formRef.current?.requestSubmit();
        }
      }}
    >
      <p className="cfg-summary" aria-live="polite">
        <span className="cfg-summary-label">Routing:</span> <span data-testid="config-summary">{summary}</span>
      </p>
      <div className="cfg-builder-form">
        {formError ? (
          <div role="alert" className="alert-error">
            {formError}
          </div>
        ) : null}
        <section className="panel">
          <TextInput
            label="Config name"
            value={name}
            maxLength={CONFIG_NAME_MAX}
            onChange={(e) => {
              setName(e.target.value);
              setNameError(null);
            }}
            error={nameError}
            placeholder="chat fallback"
            autoComplete="off"
            hint={
              editing ? (
                <>
                  The id stays <code>{slug}</code> whatever the name.
                </>
              ) : (
                "The id (pc-…) is made from it and never changes."
              )
            }
          />
        </section>
        <section className="panel" aria-labelledby="cfg-routing">
          <h2 id="cfg-routing">Routing</h2>
          <NodeEditor node={isRecord(draft) ? draft : {}} path={[]} label="Config" ctx={ctx} />
        </section>
        {editing ? null : (
          <section className="panel" onChange={() => setBudgetIssues({})}>
            <BudgetFields
              initial={EMPTY_BUDGET_FORM}
              errors={budgetIssues}
              hint="A limit on what requests routed by this config may cost. Once it is spent, they get 429 budget_exceeded until the period resets. Empty: no budget. You can change it later on the config's page."
            />
          </section>
        )}
      </div>
      <div className="cfg-json-pane">
        <JsonEditor
          label="Config JSON"
          value={jsonText}
          onChange={onJsonChange}
          diagnostics={diagnostics}
          slugs={slugs}
          error={jsonError}
          hint={jsonHint}
          readOnly={!canEdit}
        />
        <div className="cfg-save-row">
          <Button type="submit" variant="primary" disabled={pending || !changed} aria-keyshortcuts="Control+S">
            {pending ? "Saving…" : editing ? "Save new version" : "Save config"}
          </Button>
          <span className="muted">{editing && !changed ? "No changes to save." : "Ctrl+S saves."}</span>
        </div>
        <ConfigTestPanel
          config={draft}
          slug={slug}
          blocked={jsonError ? "The JSON does not parse: fix it first." : !valid ? "Fix the problems shown before testing." : null}
        />
      </div>
    </form>
  );
}
