"use client";

import { useState } from "react";
import { Field } from "@/components/ui/field";

/** Each chip's text and a key that stays with it when another chip goes: the code, and which repeat of it (typed JSON may repeat one). */
function chipsOf(codes: readonly unknown[]) {
  const seen = new Map<string, number>();
  return codes.map((code, index) => {
    const text = String(code);
    const repeat = seen.get(text) ?? 0;
    seen.set(text, repeat + 1);
    return { text, index, key: repeat === 0 ? text : `${text}#${repeat}` };
  });
}

/**
 * HTTP status codes as chips: type a code and press Enter, comma or space to add it; Backspace in
 * the empty box removes the last one; each chip is a button "Remove 429". An empty list is
 * `undefined` (the key is left out, so the engine's default applies).
 */
export function StatusCodesInput({
  label,
  aside,
  hint,
  error,
  value,
  onChange,
  placeholder = "e.g. 429",
}: {
  label: string;
  aside?: React.ReactNode;
  hint?: React.ReactNode;
  error?: string;
  value: unknown;
  onChange: (next: unknown[] | undefined) => void;
  placeholder?: string;
}) {
  const codes: unknown[] = Array.isArray(value) ? value : [];
  const [text, setText] = useState("");
  const [typing, setTyping] = useState<string | null>(null);

  function add(raw: string): boolean {
    const parts = raw.split(/[\s,]+/).filter(Boolean);
    if (!parts.length) return true;
    const bad = parts.find((p) => !/^\d{3}$/.test(p));
    if (bad) {
      setTyping(`“${bad}” is not a 3-digit HTTP status code`);
      return false;
    }
    const next = [...codes];
    for (const p of parts) if (!next.includes(Number(p))) next.push(Number(p));
    onChange(next);
    setTyping(null);
    return true;
  }

  function remove(index: number) {
    const next = codes.filter((_, i) => i !== index);
    onChange(next.length ? next : undefined);
  }

  return (
    <Field
      label={label}
      aside={aside}
      hint={hint ?? "Enter, comma or space adds a code; Backspace removes the last."}
      error={typing ?? error}
    >
      {(ids) => (
        <div className="cfg-chips" data-invalid={ids["aria-invalid"] ? "true" : undefined}>
          <ul className="cfg-chip-list" aria-label={codes.length ? `Codes chosen: ${codes.join(", ")}` : "No codes chosen"}>
            {chipsOf(codes).map(({ text, key, index }) => (
              <li key={key} className="cfg-chip">
                <span>{text}</span>
                <button type="button" className="cfg-chip-remove" aria-label={`Remove ${text}`} onClick={() => remove(index)}>
                  <svg
                    width="10"
                    height="10"
                    viewBox="0 0 24 24"
                    aria-hidden="true"
                    fill="none"
                    stroke="currentColor"
                    strokeWidth="3"
                    strokeLinecap="round"
                  >
                    <path d="M6 6l12 12M18 6L6 18" />
                  </svg>
                </button>
              </li>
            ))}
          </ul>
          <input
            {...ids}
            type="text"
            inputMode="numeric"
            autoComplete="off"
            value={text}
            placeholder={codes.length ? "" : placeholder}
            onChange={(e) => {
              setTyping(null);
              const next = e.target.value;
              if (/[\s,]$/.test(next)) {
                if (add(next)) setText("");
                else setText(next.trim().replace(/,$/, ""));
              } else setText(next);
            }}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                if (add(text)) setText("");
              } else if (e.key === "Backspace" && text === "" && codes.length) {
                e.preventDefault();
                remove(codes.length - 1);
              }
            }}
            onBlur={() => {
              if (text && add(text)) setText("");
            }}
          />
        </div>
      )}
    </Field>
  );
}
