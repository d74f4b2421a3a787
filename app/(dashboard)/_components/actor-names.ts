import type { SessionUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { findApiKey } from "@/lib/store/api-keys";

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
