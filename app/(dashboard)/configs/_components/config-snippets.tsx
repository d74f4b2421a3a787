"use client";

import { useEffect, useRef, useState } from "react";
import { CopyButton } from "@/components/ui/copy-button";
import { configSnippets } from "./snippets";

/**
 * The config id, large, with a copy button, and the code that uses it (tabs: Python, Node, the
 * OpenAI SDK, curl; arrow keys move between tabs). `justSaved` announces a save and takes the focus.
 */
export function ConfigSnippets({ slug, origin, justSaved }: { slug: string; origin: string; justSaved?: number }) {
  const snippets = configSnippets(origin, slug);
  const [active, setActive] = useState(snippets[0]!.id);
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (justSaved) heading.current?.focus();
  }, [justSaved]);

  function onKey(event: React.KeyboardEvent, index: number) {
    const last = snippets.length - 1;
    const next =
      event.key === "ArrowRight"
        ? index === last
          ? 0
          : index + 1
        : event.key === "ArrowLeft"
          ? index === 0
            ? last
            : index - 1
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? last
              : null;
    if (next === null) return;
    event.preventDefault();
    setActive(snippets[next]!.id);
    tabs.current[next]?.focus();
  }

  return (
    <section className={justSaved ? "panel cfg-use is-saved" : "panel cfg-use"} aria-labelledby="cfg-use-title">
      <h2 id="cfg-use-title" ref={heading} tabIndex={-1}>
        {justSaved ? `Saved: version ${justSaved}` : "Use this config"}
      </h2>
      <div className="cfg-id-row">
        <span className="cfg-id-label">Config id</span>
        <code className="cfg-id">{slug}</code>
        <CopyButton value={slug} label="Copy config id">
          Copy id
        </CopyButton>
      </div>
      <p className="muted">
        Send it as <code>x-portkey-config: {slug}</code> or as <code>config</code> in a Portkey SDK; the base URL is{" "}
        <code>{origin}/v1</code>.
      </p>
      <div role="tablist" aria-label="Code snippets" className="cfg-tabs">
        {snippets.map((s, index) => (
          <button
            key={s.id}
            ref={(el) => {
              tabs.current[index] = el;
            }}
            type="button"
            role="tab"
            id={`cfg-tab-${s.id}`}
            aria-selected={active === s.id}
            aria-controls={`cfg-panel-${s.id}`}
            tabIndex={active === s.id ? 0 : -1}
            onClick={() => setActive(s.id)}
            onKeyDown={(e) => onKey(e, index)}
          >
            {s.label}
          </button>
        ))}
      </div>
      {snippets.map((s) => (
        <div
          key={s.id}
          role="tabpanel"
          id={`cfg-panel-${s.id}`}
          aria-labelledby={`cfg-tab-${s.id}`}
          hidden={active !== s.id}
          className="cfg-snippet"
        >
          <CopyButton value={s.code} label={`Copy ${s.label} snippet`} className="cfg-snippet-copy">
            Copy
          </CopyButton>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region; focusable so the keyboard can scroll it */}
          <section className="cfg-snippet-code" tabIndex={0} aria-label={`${s.label} snippet`}>
            <pre>
              <code>{s.code}</code>
            </pre>
          </section>
        </div>
      ))}
    </section>
  );
}
