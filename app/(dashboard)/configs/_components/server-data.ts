import { headers } from "next/headers";
import type { SessionUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { findApiKey } from "@/lib/store/api-keys";
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

/** `user:<id>` and `api_key:<id>` as people read them: the user's email ("you" is the signed-in one), the API key's name. */
export async function actorNames(user: SessionUser, actors: (string | null)[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const distinct = [...new Set(actors.filter((a): a is string => !!a))];
  await Promise.all(
    distinct.map(async (actor) => {
      const [kind, id = ""] = actor.split(":", 2);
      if (kind === "user") names.set(actor, id === user.id ? user.email : `user …${id.slice(-6)}`);
      else if (kind === "api_key") {
        const key = await findApiKey(getDb(), user.workspaceId, id);
        names.set(actor, key ? `API key “${key.name}”` : `API key …${id.slice(-6)}`);
      } else names.set(actor, actor);
    }),
  );
  return names;
}
