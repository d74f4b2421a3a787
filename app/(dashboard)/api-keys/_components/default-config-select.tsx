"use client";

import { Field } from "@/components/ui/field";

/** A config a key may name as its default, as the page read it (archived ones still route). */
export type ConfigChoice = { slug: string; name: string; status: string };

/** The select's value for "no default config" (the forms send null, or nothing, for it). */
export const NO_DEFAULT_CONFIG = "";

/**
 * The "Default config" select of the create and edit forms: none, or one of the workspace's configs.
 * A key that still names a config deleted since shows it as a disabled choice, so the form says what
 * the key has now without offering it again (the API refuses a deleted config).
 */
export function DefaultConfigSelect({
  configs,
  current = null,
  error,
}: {
  configs: readonly ConfigChoice[];
  /** The key's default now (a slug), when editing. */
  current?: string | null;
  error?: string | null;
}) {
  const gone = current !== null && !configs.some((c) => c.slug === current);
  return (
    <Field
      label="Default config"
      error={error}
      hint="Routes this key's requests that send no x-portkey-config, x-portkey-virtual-key or x-portkey-provider: for clients that can set only a base URL and a key. What a request sends wins."
    >
      {(ids) => (
        <select name="default_config" defaultValue={current ?? NO_DEFAULT_CONFIG} {...ids}>
          <option value={NO_DEFAULT_CONFIG}>None: requests name their own config or key</option>
          {gone ? (
            <option value={current} disabled>
              {current} (deleted)
            </option>
          ) : null}
          {configs.map((c) => (
            <option key={c.slug} value={c.slug}>
              {c.name} ({c.slug}){c.status === "archived" ? ", archived" : ""}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
