import { headers } from "next/headers";
import { getDb } from "@/lib/db";
import { listVirtualKeys } from "@/lib/store/virtual-keys";
import type { VirtualKeyOption } from "./builder-context";

/** This server's origin as the browser reached it: the snippets point here. */
export async function requestOrigin(): Promise<string> {
  const h = await headers();
  return `${h.get("x-forwarded-proto") ?? "http"}://${h.get("x-forwarded-host") ?? h.get("host") ?? "localhost"}`;
}

/** The workspace's active virtual keys, for the builder's picker. */
export async function virtualKeyOptions(workspaceId: string): Promise<VirtualKeyOption[]> {
  const { rows } = await listVirtualKeys(getDb(), workspaceId, { status: "active", skip: 0, take: 500 });
  return rows.map((k) => ({ slug: k.slug, name: k.name, provider: k.provider }));
}
