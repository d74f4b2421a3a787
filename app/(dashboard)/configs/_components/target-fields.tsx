"use client";

import { TextInput } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { isConfigKeyMask } from "@/lib/gateway/config/credentials";
import { PROVIDER_IDS, PROVIDER_INFOS, PROVIDER_TARGET_KEYS, providerInfo, providerLabel } from "@/lib/gateway/providers/catalog";
import type { BuilderContext } from "./builder-context";
import type { Json, Path } from "./draft";

/** The keys of a target that names its provider directly: each provider's own keys come from the provider catalog. */
export const DIRECT_KEYS = ["provider", "api_key", "custom_host", ...PROVIDER_TARGET_KEYS] as const;
const PROVIDER_OPTIONS = PROVIDER_INFOS.map((p) => ({ value: p.id, label: p.label }));

/** Where a target sends requests: a virtual key from the picker, or a provider with its own key. */
export function TargetSourceFields({ node, path, ctx }: { node: Json; path: Path; ctx: BuilderContext }) {
  const direct = node.provider !== undefined && node.virtual_key === undefined;
  const text = (key: string) => (typeof node[key] === "string" ? (node[key] as string) : "");
  const set = (key: string, value: string) => ctx.update([...path, key], value.trim() === "" ? undefined : value);
  const vk = text("virtual_key");
  // A saved key comes back as its mask (sk-...abcd#1a2b3c4d): shown as text, it is not the key.
  const keyIsMask = isConfigKeyMask(text("api_key"));
  const known = ctx.virtualKeys.some((k) => k.slug === vk);
  // The chosen provider's own keys (Azure: resource, deployment, api-version).
  const ownFields = (typeof node.provider === "string" ? providerInfo(node.provider)?.targetFields : undefined) ?? [];
  const vkOptions = [
    { value: "", label: ctx.virtualKeys.length ? "Choose a virtual key…" : "No active virtual keys yet" },
    ...ctx.virtualKeys.map((k) => ({ value: k.slug, label: `${k.name} (${k.slug}) · ${providerLabel(k.provider)}` })),
    ...(vk && !known ? [{ value: vk, label: `${vk} (not an active key of this workspace)` }] : []),
  ];

  function switchSource(next: string) {
    if (next === "provider") {
      ctx.update(path, {
        ...withoutKeys(node, ["virtual_key"]),
        provider: typeof node.provider === "string" ? node.provider : PROVIDER_IDS[0],
      });
    } else {
      ctx.update(path, withoutKeys(node, DIRECT_KEYS));
    }
  }

  return (
    <>
      <div className="ui-form-grid">
        <Select
          label="Send to"
          value={direct ? "provider" : "virtual_key"}
          onChange={(e) => switchSource(e.target.value)}
          options={[
            { value: "virtual_key", label: "A virtual key" },
            { value: "provider", label: "A provider, key in the config" },
          ]}
        />
        {direct ? (
          <Select
            label="Provider"
            value={text("provider")}
            onChange={(e) => set("provider", e.target.value)}
            options={PROVIDER_OPTIONS}
            error={ctx.issues.at([...path, "provider"])}
          />
        ) : (
          <Select
            label="Virtual key"
            value={vk}
            onChange={(e) => set("virtual_key", e.target.value)}
            options={vkOptions}
            error={ctx.issues.at([...path, "virtual_key"])}
          />
        )}
      </div>
      {direct ? (
        <>
          <div className="ui-form-grid">
            <TextInput
              label="Provider API key"
              aside="optional"
              type={keyIsMask ? "text" : "password"}
              autoComplete="off"
              value={text("api_key")}
              onChange={(e) => set("api_key", e.target.value)}
              error={ctx.issues.at([...path, "api_key"])}
              hint={
                keyIsMask
                  ? "The saved key, masked: saving keeps it. Type a new key to replace it."
                  : "Stored encrypted and shown masked once saved; a virtual key can also be shared by several configs."
              }
            />
            <TextInput
              label="Custom host"
              aside="optional"
              type="url"
              autoComplete="off"
              value={text("custom_host")}
              onChange={(e) => set("custom_host", e.target.value)}
              error={ctx.issues.at([...path, "custom_host"])}
              placeholder="https://api.openai.com/v1"
            />
          </div>
          {ownFields.length ? (
            <div className="cfg-grid-3">
              {ownFields.map((field) => (
                <TextInput
                  key={field.key}
                  label={field.label}
                  value={text(field.key)}
                  onChange={(e) => set(field.key, e.target.value)}
                  error={ctx.issues.at([...path, field.key])}
                  placeholder={field.placeholder}
                  autoComplete="off"
                />
              ))}
            </div>
          ) : null}
        </>
      ) : null}
    </>
  );
}

export function withoutKeys(node: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) if (!keys.includes(k)) out[k] = v;
  return out;
}
