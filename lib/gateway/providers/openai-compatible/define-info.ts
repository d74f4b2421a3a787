/**
 * The data part shared by the providers whose API is OpenAI's shape (docs/GATEWAY.md §1): each of
 * them is an id, a label, a default base URL (or none: then every target and virtual key must name
 * a `custom_host`) and the dashboard's wording. Pure values and functions only, like every
 * `info.ts` (../README.md): client components load these through ../catalog.ts.
 */
import type { FieldText, ProviderInfo } from "../types";

export type CompatInfoSpec<Id extends string> = {
  id: Id;
  label: string;
  /** Where requests go without a `custom_host`; absent = there is no public default (a self-hosted server). */
  baseUrl?: string;
  /** The create dialog's secret placeholder ("gsk_..."). */
  secretPlaceholder: string;
  /** An example host for a provider without a default ("http://localhost:11434/v1"). */
  hostExample?: string;
};

/** A compatible provider's data part: a `ProviderInfo` plus its default base URL. */
export type CompatInfo<Id extends string = string> = Omit<ProviderInfo, "id" | "targetFields" | "directHeaders"> & {
  readonly id: Id;
  readonly targetFields: readonly never[];
  readonly directHeaders: Readonly<Record<never, string>>;
  /** Undefined when every target and key must name a `custom_host`. */
  readonly baseUrl: string | undefined;
  /** An example base URL, for the messages of a provider without a default. */
  readonly hostExample: string | undefined;
};

/** The one wording of "this provider needs a custom host", for the config rules and the virtual-key rules alike. */
export function customHostRequiredMessage(id: string, example: string | undefined): string {
  const e = example ? `, e.g. ${example}` : "";
  return `is required with provider ${id}: it has no default host; give the base URL of the server${e}`;
}

export function defineCompatInfo<const Id extends string>(spec: CompatInfoSpec<Id>): CompatInfo<Id> {
  const { id, label, baseUrl, hostExample } = spec;
  const customHost: FieldText = baseUrl
    ? { label: "Custom host", placeholder: baseUrl, hint: `Leave empty for ${baseUrl}; set it for a proxy in front of ${label}.` }
    : {
        label: "Custom host",
        placeholder: hostExample,
        hint: `Required: the base URL of the ${label} server (no default host).`,
        optional: false,
      };
  return {
    id,
    label,
    baseUrl,
    hostExample,
    targetFields: [],
    directHeaders: {},
    checkTarget(node, report) {
      if (baseUrl === undefined && node.provider === id && node.custom_host === undefined) {
        report(["custom_host"], customHostRequiredMessage(id, hostExample));
      }
    },
    keyFields: {},
    keyForm: { secretPlaceholder: spec.secretPlaceholder, customHost },
  };
}
