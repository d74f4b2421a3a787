"use client";

import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap, type CompletionSource } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab, temporarilySetTabFocusMode } from "@codemirror/commands";
import { json } from "@codemirror/lang-json";
import { bracketMatching, HighlightStyle, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { type Diagnostic, lintGutter, setDiagnostics } from "@codemirror/lint";
import { Annotation, Compartment, EditorState } from "@codemirror/state";
import { EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { useEffect, useId, useRef } from "react";
import { FieldNotes } from "@/components/ui/field";
import { completeAt } from "@/lib/dashboard/config-json";

export type EditorDiagnostic = { from: number; to: number; message: string };

/**
 * The editor's colours are the theme's custom properties (app/globals.css: a light and a dark set,
 * chosen by the system setting), so one editor serves both themes and follows a change of the setting.
 */
const themeColors = EditorView.theme({
  "&": { color: "var(--text)", backgroundColor: "var(--input-bg)" },
  ".cm-content": { caretColor: "var(--text)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--text)" },
  ".cm-gutters": { backgroundColor: "var(--code-gutter-bg)", color: "var(--code-gutter-text)", borderRight: "1px solid var(--border)" },
  ".cm-activeLine": { backgroundColor: "var(--code-active-line)" },
  ".cm-activeLineGutter": { backgroundColor: "var(--code-active-line)", color: "var(--text)" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection": {
    backgroundColor: "var(--code-selection)",
  },
  "&.cm-focused .cm-matchingBracket": { backgroundColor: "var(--code-matching)", color: "inherit" },
  "&.cm-focused .cm-nonmatchingBracket": { backgroundColor: "var(--danger-bg)", color: "var(--danger)" },
  ".cm-tooltip": { color: "var(--text)" },
  ".cm-tooltip-autocomplete ul li[aria-selected]": { backgroundColor: "var(--accent)", color: "var(--accent-text)" },
  ".cm-diagnostic-error": { borderLeftColor: "var(--danger)" },
});

/** JSON's tokens in the theme's colours. */
const jsonHighlight = HighlightStyle.define([
  { tag: tags.propertyName, color: "var(--code-property)" },
  { tag: tags.string, color: "var(--code-string)" },
  { tag: tags.number, color: "var(--code-number)" },
  { tag: [tags.bool, tags.null, tags.atom], color: "var(--code-atom)" },
  { tag: [tags.punctuation, tags.separator, tags.brace, tags.squareBracket], color: "var(--code-punctuation)" },
  { tag: tags.invalid, color: "var(--danger)" },
]);

/** Marks a change that came from `value` (the form): not handed back to `onChange`. */
const fromProps = Annotation.define<boolean>();

type Props = {
  label: string;
  value: string;
  onChange: (text: string) => void;
  /** Problems at their place in the text (a red underline and a marker in the gutter). */
  diagnostics: EditorDiagnostic[];
  /** The workspace's virtual keys, offered as `virtual_key` values. */
  slugs: readonly { slug: string; detail: string }[];
  error?: string | null;
  hint?: React.ReactNode;
  readOnly?: boolean;
};

/**
 * The config's JSON in a code editor (CodeMirror 6): line numbers, JSON highlighting, the problems
 * at their place, completion of the config's keys and of the workspace's virtual-key slugs. Named
 * by its label and described by its hint and error (aria-labelledby / aria-describedby on the
 * editable element), like every field. Tab indents; Escape then Tab leaves (the hint says so), so
 * the keyboard is never trapped. Controlled: `value` replaces the text when it differs (the form
 * changed the config), the text typed goes to `onChange`.
 */
export function JsonEditor({ label, value, onChange, diagnostics, slugs, error, hint, readOnly = false }: Props) {
  const id = useId();
  const labelId = `${id}-label`;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const keysId = `${id}-keys`;
  const describedBy = [errorId, hintId, keysId].filter(Boolean).join(" ");
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  // The latest props, read by the editor's callbacks (created once).
  const latest = useRef({ onChange, slugs });
  latest.current = { onChange, slugs };
  const attributes = useRef(new Compartment());
  const editable = useRef(new Compartment());

  // biome-ignore lint/correctness/useExhaustiveDependencies: the editor is made once; later props reach it through the effects below
  useEffect(() => {
    if (!host.current) return;
    const complete: CompletionSource = (context) => {
      const text = context.state.doc.toString();
      const result = completeAt(text, context.pos, latest.current.slugs);
      if (!result) return null;
      // Typing outside quotes offers keys only once a word is started (or on Ctrl+Space).
      if (!context.explicit && result.from === context.pos && text[context.pos - 1] !== '"') return null;
      return {
        from: result.from,
        to: result.to,
        options: result.options.map((o) => ({ label: o.label, detail: o.detail, apply: o.apply, type: o.type })),
        validFor: /^[\w$.-]*$/,
      };
    };
    // CodeMirror mounts its styles in a <style> element: it carries the page's CSP nonce (proxy.ts),
    // which Next.js put on its scripts (the `nonce` property keeps it; the attribute reads empty).
    const nonce = document.querySelector<HTMLScriptElement>("script[nonce]")?.nonce ?? "";
    const created = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          ...(nonce ? [EditorView.cspNonce.of(nonce)] : []),
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightActiveLine(),
          history(),
          indentOnInput(),
          bracketMatching(),
          closeBrackets(),
          json(),
          themeColors,
          syntaxHighlighting(jsonHighlight),
          lintGutter(),
          autocompletion({ override: [complete], icons: false }),
          EditorState.tabSize.of(2),
          keymap.of([
            ...closeBracketsKeymap,
            ...completionKeymap,
            ...defaultKeymap,
            ...historyKeymap,
            indentWithTab,
            // Escape (when no completion is open) lets the next Tab or Shift+Tab move the focus out.
            { key: "Escape", run: temporarilySetTabFocusMode },
          ]),
          attributes.current.of(EditorView.contentAttributes.of({})),
          editable.current.of([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
          EditorView.updateListener.of((update) => {
            if (update.docChanged && !update.transactions.some((tr) => tr.annotation(fromProps)))
              latest.current.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = created;
    return () => {
      created.destroy();
      view.current = null;
    };
  }, []);

  // The form changed the config: the editor shows the new text (the cursor stays where it can).
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const current = v.state.doc.toString();
    if (current === value) return;
    const head = Math.min(v.state.selection.main.head, value.length);
    v.dispatch({ changes: { from: 0, to: current.length, insert: value }, selection: { anchor: head }, annotations: fromProps.of(true) });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({
      effects: attributes.current.reconfigure(
        EditorView.contentAttributes.of({
          "aria-labelledby": labelId,
          "aria-describedby": describedBy,
          ...(error ? { "aria-invalid": "true" } : {}),
        }),
      ),
    });
  }, [labelId, describedBy, error]);

  useEffect(() => {
    view.current?.dispatch({
      effects: editable.current.reconfigure([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
    });
  }, [readOnly]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const length = v.state.doc.length;
    const list: Diagnostic[] = diagnostics.map((d) => {
      const from = Math.max(0, Math.min(d.from, length));
      return { from, to: Math.max(from, Math.min(d.to, length)), severity: "error", message: d.message };
    });
    v.dispatch(setDiagnostics(v.state, list));
  }, [diagnostics]);

  return (
    <div className="field cfg-json-field">
      {/* biome-ignore lint/a11y/noLabelWithoutControl: the editor is a contenteditable (not a form control), named by aria-labelledby */}
      <label id={labelId}>{label}</label>
      <div ref={host} className="cfg-json-editor" />
      <div id={keysId} className="field-hint cfg-json-keys">
        Tab indents; press Esc then Tab (or Shift+Tab) to leave the editor. Ctrl+Space completes keys and virtual-key slugs.
      </div>
      <FieldNotes error={error} errorId={errorId} hint={hint} hintId={hintId} />
    </div>
  );
}
