/**
 * The one spelling of a model name that prices are keyed by (lib/logs/cost.ts, the price file, a
 * workspace's overrides): trimmed, lower-case, and Azure's "gpt-35-..." spelled as OpenAI's
 * "gpt-3.5-...". Dependency-free: the dashboard's forms use it too.
 */

/** `model` as price tables and overrides key it: `" GPT-35-Turbo "` -> `"gpt-3.5-turbo"`. */
export function canonicalModelName(model: string): string {
  return model
    .trim()
    .toLowerCase()
    .replace(/^gpt-35(?=-|$)/, "gpt-3.5");
}
