"use client";

import { TextInput } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { isConfigKeyMask } from "@/lib/gateway/config/credentials";
import { PROVIDERS } from "@/lib/gateway/config/schema";
import type { BuilderContext } from "./builder-context";
import type { Json, Path } from "./draft";

const PROVIDER_LABELS: Record<string, string> = { openai: "OpenAI", "azure-openai": "Azure OpenAI" };
const DIRECT_KEYS = ["provider", "api_key", "custom_host", "resource_name", "deployment_id", "api_version"] as const;

/** Where a target sends requests: a virtual key from the picker, or a provider with its own key. */
export function TargetSourceFields({ node, path, ctx }: { node: Json; path: Path; ctx: BuilderContext }) {
  const direct = node.provider !== undefined && node.virtual_key === undefined;
  const text = (key: string) => (typeof node[key] === "string" ? (node[key] as string) : "");
  const set = (key: string, value: string) => ctx.update([...path, key], value.trim() === "" ? undefined : value);
  const vk = text("virtual_key");
  // A saved key comes back as its mask (sk-...abcd#1a2b3c4d): shown as text, it is not the key.
  const keyIsMask = isConfigKeyMask(text("api_key"));
  const known = ctx.virtualKeys.some((k) => k.slug === vk);
  const vkOptions = [
    { value: "", label: ctx.virtualKeys.length ? "Choose a virtual key…" : "No active virtual keys yet" },
    ...ctx.virtualKeys.map((k) => ({ value: k.slug, label: `${k.name} (${k.slug}) · ${PROVIDER_LABELS[k.provider] ?? k.provider}` })),
    ...(vk && !known ? [{ value: vk, label: `${vk} (not an active key of this workspace)` }] : []),
  ];

  function switchSource(next: string) {
    if (next === "provider") {
      ctx.update(path, { ...withoutKeys(node, ["virtual_key"]), provider: typeof node.provider === "string" ? node.provider : "openai" });
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
            options={PROVIDERS.map((p) => ({ value: p, label: PROVIDER_LABELS[p] ?? p }))}
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
          {node.provider === "azure-openai" ? (
            <div className="cfg-grid-3">
              <TextInput
                label="Resource name"
                value={text("resource_name")}
                onChange={(e) => set("resource_name", e.target.value)}
                error={ctx.issues.at([...path, "resource_name"])}
                autoComplete="off"
              />
              <TextInput
                label="Deployment"
                value={text("deployment_id")}
                onChange={(e) => set("deployment_id", e.target.value)}
                error={ctx.issues.at([...path, "deployment_id"])}
                autoComplete="off"
              />
              <TextInput
                label="API version"
                value={text("api_version")}
                onChange={(e) => set("api_version", e.target.value)}
                error={ctx.issues.at([...path, "api_version"])}
                placeholder="2024-10-21"
                autoComplete="off"
              />
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
