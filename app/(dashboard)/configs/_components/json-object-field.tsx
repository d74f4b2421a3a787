"use client";

import { useState } from "react";
import { Textarea } from "@/components/ui/field";
import { prettyJson } from "./draft";
import { isRecord } from "@/lib/is-record";

/**
 * A JSON object typed as text (override params, a condition's query). The text is kept while it is
 * being typed; a valid object goes to the draft at once, and a change from elsewhere (the JSON
 * view) replaces the text.
 */
export function JsonObjectField({
  label,
  value,
  onChange,
  error,
  hint,
  placeholder,
  aside,
}: {
  label: string;
  value: unknown;
  onChange: (next: unknown) => void;
  error?: string;
  hint?: React.ReactNode;
  placeholder?: string;
  aside?: React.ReactNode;
}) {
  const shown = value === undefined ? "" : prettyJson(value);
  const [text, setText] = useState(shown);
  const [parseError, setParseError] = useState<string | null>(null);
  const [lastShown, setLastShown] = useState(shown);
  if (shown !== lastShown) {
    // The draft changed from elsewhere: show it (unless it is what this text already says).
    setLastShown(shown);
    if (!sameJson(text, value)) {
      setText(shown);
      setParseError(null);
    }
  }

  return (
    <Textarea
      label={label}
      aside={aside}
      hint={hint}
      error={parseError ?? error}
      value={text}
      placeholder={placeholder}
      spellCheck={false}
      rows={Math.min(8, Math.max(2, text.split("\n").length))}
      className="cfg-json-field"
      onChange={(e) => {
        const next = e.target.value;
        setText(next);
        if (!next.trim()) {
          setParseError(null);
          onChange(undefined);
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(next);
        } catch (err) {
          setParseError(`not valid JSON yet: ${err instanceof Error ? err.message : String(err)}`);
          return;
        }
        setParseError(null);
        // Anything else (a list, a number) goes to the draft too, so the engine's message shows.
        onChange(isRecord(parsed) || parsed !== undefined ? parsed : undefined);
      }}
    />
  );
}

function sameJson(text: string, value: unknown): boolean {
  if (!text.trim()) return value === undefined;
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
  } catch {
    return false;
  }
}
