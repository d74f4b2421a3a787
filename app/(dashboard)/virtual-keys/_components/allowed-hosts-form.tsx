"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Textarea } from "@/components/ui/field";
import { sendJson } from "@/lib/browser/submit-json";
import { notify } from "@/components/ui/toast";
import { useFocusFirstInvalid } from "@/components/ui/use-focus-invalid";

/**
 * The key's `allowed_hosts`, one origin a line, saved with PUT /v1/virtual-keys/{slug}. The API
 * validates and normalises each line; its errors name the line they are about.
 */
export function AllowedHostsForm({ slug, name, initial, max }: { slug: string; name: string; initial: string[]; max: number }) {
  const router = useRouter();
  const [text, setText] = useState(initial.join("\n"));
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const focus = useFocusFirstInvalid();
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const unchanged = lines.join("\n") === initial.join("\n");

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    const result = await sendJson<{ allowed_hosts: string[] }>(`/v1/virtual-keys/${encodeURIComponent(slug)}`, "PUT", {
      allowed_hosts: lines,
    });
    setPending(false);
    if (!result.ok) {
      const perLine = Object.entries(result.fieldErrors)
        .map(([path, message]) => {
          const index = /^allowed_hosts\[(\d+)\]$/.exec(path)?.[1];
          return index !== undefined ? `Line ${Number(index) + 1}: ${message}` : path === "allowed_hosts" ? message : null;
        })
        .filter(Boolean);
      setError(perLine.length ? perLine.join(" ") : result.message);
      focus.refused();
      return;
    }
    setText(result.data.allowed_hosts.join("\n"));
    notify(
      result.data.allowed_hosts.length
        ? `Saved the allowed hosts of “${name}”.`
        : `“${name}” now goes only to its default host and custom host.`,
    );
    router.refresh();
  }

  return (
    <form ref={focus.ref} onSubmit={submit} noValidate className="vk-allowed-hosts-form">
      <Textarea
        label="Allowed hosts"
        name="allowed_hosts"
        rows={Math.min(Math.max(lines.length + 1, 3), 10)}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setError(null);
        }}
        error={error}
        spellCheck={false}
        placeholder="https://eu.models.example.com"
        hint={`One origin a line (scheme, host and port, no path), at most ${max}. Requests may point this key at these hosts with x-portkey-custom-host or a config's custom_host; empty = nowhere else.`}
      />
      <Button type="submit" variant="primary" size="sm" disabled={pending || unchanged}>
        {pending ? "Saving…" : "Save allowed hosts"}
      </Button>
    </form>
  );
}
