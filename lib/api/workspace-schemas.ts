/**
 * Bodies of the workspace routes (`/v1/workspaces`), for the API and the dashboard's forms. A slug
 * is lower-case letters, digits and single hyphens inside (`team-a`, 1 to 48 characters); without
 * one, a new workspace's slug is derived from its name (slugFromName).
 */
import { z } from "zod";
import { nonEmptyString, strictObject } from "../gateway/config/messages";

export const WORKSPACE_NAME_MAX = 100;
export const WORKSPACE_SLUG_MAX = 48;
const SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const nameSchema = nonEmptyString("a non-empty name")
  .transform((name) => name.trim())
  .pipe(
    z
      .string()
      .min(1, { error: "must not be blank" })
      .max(WORKSPACE_NAME_MAX, { error: `must be at most ${WORKSPACE_NAME_MAX} characters` })
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the check refuses control characters in a name people read
      .refine((n) => !/[\u0000-\u001f\u007f]/.test(n), { error: "must not hold control characters" }),
  );

export const workspaceSlugSchema = z
  .string({ error: "must be a slug: lower-case letters, digits and hyphens (team-a)" })
  .max(WORKSPACE_SLUG_MAX, { error: `must be at most ${WORKSPACE_SLUG_MAX} characters` })
  .regex(SLUG_RE, { error: "must be lower-case letters and digits, with single hyphens between them (team-a)" });

/** POST /v1/workspaces. */
export const createWorkspaceSchema = strictObject(
  { name: nameSchema, slug: workspaceSlugSchema.optional() },
  "a JSON object {name, slug?}",
);

/** PATCH /v1/workspaces/{id}: at least one of them (the handler says so). */
export const updateWorkspaceSchema = strictObject(
  { name: nameSchema.optional(), slug: workspaceSlugSchema.optional() },
  "a JSON object {name?, slug?}",
  (key) =>
    key === "budget" || key === "log_retention_days"
      ? `a workspace's ${key === "budget" ? "budget" : "log retention"} is set with PUT /v1/workspace`
      : undefined,
);

/** `DELETE /v1/workspaces/{id}?confirm=<slug>`. */
export const deleteWorkspaceQuerySchema = z.object({ confirm: z.string().optional() });

/** A slug from a name: `Team A (prod)` -> `team-a-prod`; `workspace` when the name has no letters or digits. */
export function slugFromName(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, WORKSPACE_SLUG_MAX - 3)
    .replace(/-+$/, "");
  return slug || "workspace";
}
