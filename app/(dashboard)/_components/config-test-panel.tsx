"use client";

import { useEffect, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { TextInput } from "@/components/ui/field";
import { sendJson } from "@/lib/browser/submit-json";
import type { ConfigTestResult } from "@/lib/gateway/request/config-test";
import {
  CONFIG_TEST_DEFAULT_MAX_TOKENS,
  CONFIG_TEST_DEFAULT_PROMPT,
  CONFIG_TEST_MAX_MODEL,
  CONFIG_TEST_MAX_PROMPT,
} from "@/lib/gateway/request/config-test-limits";
import { isRecord } from "@/lib/is-record";
import { RunResultError, RunResultHeader, RunResultTimeline } from "./run-result";

/** The model last tested, remembered in this browser: the next test starts with it. */
const MODEL_STORE = "detour.config-test.model";
const FALLBACK_MODEL = "gpt-4o-mini";

/** The model the config itself sets (`override_params.model` at its top), if any. */
function configModel(config: unknown): string | null {
  const params = isRecord(config) && isRecord(config.override_params) ? config.override_params : null;
  return typeof params?.model === "string" && params.model ? params.model : null;
}

/** The panel's words: the config builder's (the default), or a virtual key page's. */
const WORDS = {
  config: {
    title: "Test this config",
    intro: "Sends one real request through the config as it is here, unsaved edits included, with the workspace's virtual keys.",
  },
  key: { title: "Test this key", intro: "Sends one real request through this virtual key alone (a config of one target naming it)." },
} as const;

/**
 * "Test this config" (the builder) and "Test this key" (a virtual key's page): one real request
 * through the config as it is in the builder (unsaved edits included; `POST /v1/configs/test`), or
 * through `{virtual_key}` alone, then what a client would have got and each attempt, on the log
 * detail's timeline. Disabled while the config has problems (`blocked` says which). `model`: the
 * model to start with (e.g. an Azure key's default deployment), else the one the config sets, else
 * the one tested last in this browser.
 */
export function ConfigTestPanel({
  config,
  slug,
  blocked,
  subject = "config",
  model: initialModel,
}: {
  config: unknown;
  slug?: string;
  blocked: string | null;
  subject?: keyof typeof WORDS;
  model?: string;
}) {
  const words = WORDS[subject];
  const [model, setModel] = useState(initialModel ?? FALLBACK_MODEL);
  const [prompt, setPrompt] = useState(CONFIG_TEST_DEFAULT_PROMPT);
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<ConfigTestResult | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [modelError, setModelError] = useState<string | null>(null);
  const headingId = useId();
  const fromConfig = configModel(config);

  // After hydration: the model the config names, else the one tested last in this browser.
  useEffect(() => {
    if (initialModel) return;
    const remembered = window.localStorage.getItem(MODEL_STORE);
    if (fromConfig) setModel(fromConfig);
    else if (remembered) setModel(remembered);
  }, [fromConfig, initialModel]);

  async function run() {
    if (!model.trim()) {
      setModelError("is required: the model the request asks for, e.g. gpt-4o-mini");
      return;
    }
    setPending(true);
    setFailure(null);
    setResult(null);
    window.localStorage.setItem(MODEL_STORE, model.trim());
    const answer = await sendJson<ConfigTestResult>("/v1/configs/test", "POST", {
      config,
      model: model.trim(),
      ...(prompt.trim() && prompt.trim() !== CONFIG_TEST_DEFAULT_PROMPT ? { prompt: prompt.trim() } : {}),
      ...(slug ? { slug } : {}),
    });
    setPending(false);
    if (!answer.ok) {
      if (answer.fieldErrors.model) setModelError(answer.fieldErrors.model);
      setFailure(answer.message);
      return;
    }
    setResult(answer.data);
  }

  return (
    <section className="cfg-test" aria-labelledby={headingId}>
      <h2 id={headingId} className="cfg-test-title">
        {words.title}
      </h2>
      <p className="muted">
        {words.intro} It is billed and logged like any request (metadata <code>detour_test</code>).
      </p>
      <div className="cfg-test-form">
        <TextInput
          label="Model"
          value={model}
          maxLength={CONFIG_TEST_MAX_MODEL}
          onChange={(e) => {
            setModel(e.target.value);
            setModelError(null);
          }}
          error={modelError}
          autoComplete="off"
          spellCheck={false}
        />
        <TextInput
          label="Prompt"
          value={prompt}
          maxLength={CONFIG_TEST_MAX_PROMPT}
          onChange={(e) => setPrompt(e.target.value)}
          hint={`Answered in at most ${CONFIG_TEST_DEFAULT_MAX_TOKENS} tokens.`}
          autoComplete="off"
        />
      </div>
      <div className="cfg-save-row">
        <Button onClick={run} disabled={pending || blocked !== null} aria-describedby={blocked ? `${headingId}-blocked` : undefined}>
          {pending ? "Testing…" : words.title}
        </Button>
        {blocked ? (
          <span id={`${headingId}-blocked`} className="muted">
            {blocked}
          </span>
        ) : null}
      </div>
      <div aria-live="polite">
        {failure ? (
          <p role="alert" className="alert-error">
            {failure}
          </p>
        ) : null}
        {result ? (
          <section aria-label="Test result">
            <RunResultHeader
              result={result}
              logLabel="Open in logs"
              via={
                result.model ? (
                  <>
                    {" "}
                    by <code>{result.model}</code>
                  </>
                ) : null
              }
            />
            {result.answer !== null ? <pre className="cfg-test-text">{result.answer}</pre> : null}
            <RunResultError result={result} />
            <RunResultTimeline result={result} />
          </section>
        ) : null}
      </div>
    </section>
  );
}
