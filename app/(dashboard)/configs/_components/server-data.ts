import { headers } from "next/headers";
import { getDb } from "@/lib/db";
import { listVirtualKeys } from "@/lib/store/virtual-keys";
import type { VirtualKeyOption } from "./builder-context";

/** This server's origin as the browser reached it: the snippets point here. */
export async function requestOrigin(): Promise<string> {
  const h = await headers();
  return `${h.get("x-forwarded-proto") ?? "http"}://${h.get("x-forwarded-host") ?? h.get("host") ?? "localhost"}`;
}

const PAGE = 500;

/**
 * The workspace's active virtual keys, every one of them: the builder's picker, and its check that
 * each slug a config names is an active key (lib/dashboard/config-runnable.ts).
 */
export async function virtualKeyOptions(workspaceId: string): Promise<VirtualKeyOption[]> {
  const options: VirtualKeyOption[] = [];
  for (let skip = 0; ; skip += PAGE) {
    const { rows } = await listVirtualKeys(getDb(), workspaceId, { status: "active", skip, take: PAGE });
    for (const k of rows) options.push({ slug: k.slug, name: k.name, provider: k.provider });
    if (rows.length < PAGE) return options;
  }
}
