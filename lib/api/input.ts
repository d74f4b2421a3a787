/**
 * Shared pieces of the management API's input handling: camelCase aliases (the portkey-ai SDK
 * turns top-level camelCase keys into snake_case, but not nested ones; people write either),
 * validation that throws the one error shape with one issue per path, list paging, and the
 * `workspace_id` that Portkey clients may send.
 */
import { z } from "zod";
import { DetourError, type ErrorIssue, type IssueCode, issuesError } from "../errors";
import { toConfigIssues } from "../gateway/config/issues";
import { isRecord } from "../is-record";
import type { Principal } from "./handler";

/**
 * A preprocess step that renames alias keys (`resourceName`) to their canonical name
 * (`resource_name`); both spellings with different values is an issue at the alias.
 */
export function renameAliases(aliases: Record<string, string>) {
  return (input: unknown, ctx: { addIssue(issue: { code: "custom"; path: PropertyKey[]; message: string; input?: unknown }): void }) => {
    if (!isRecord(input)) return input;
    const out: Record<string, unknown> = { ...input };
    for (const [alias, canonical] of Object.entries(aliases)) {
      if (!(alias in out)) continue;
      const value = out[alias];
      delete out[alias];
      if (canonical in out && JSON.stringify(out[canonical]) !== JSON.stringify(value)) {
        ctx.addIssue({
          code: "custom",
          path: [alias],
          message: `${alias} and ${canonical} name the same field with different values; send one of them`,
        });
        continue;
      }
      out[canonical] = value;
    }
    return out;
  };
}

/** Parses `input` with `schema`, or throws a 400 listing every issue with its path (`deployments[1].alias`). */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  code: IssueCode | ((issues: ErrorIssue[]) => IssueCode) = "bad_request",
): z.output<S> {
  let result: ReturnType<S["safeParse"]>;
  try {
    result = schema.safeParse(input) as ReturnType<S["safeParse"]>;
  } catch (err) {
    // Only a pathological input gets here (e.g. a stack overflow on an absurdly nested config).
    throw new DetourError("bad_request", `The request could not be validated: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (result.success) return result.data as z.output<S>;
  const issues = toConfigIssues(result.error.issues).map((i) => ({
    path: i.path,
    message: i.message.replace(/^config (must|is) /, "$1 "),
  }));
  throw issuesError(typeof code === "function" ? code(issues) : code, issues);
}

export const MAX_PAGE_SIZE = 500;

const pageInt = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int({ error: `must be a whole number from ${min} to ${max}` })
    .min(min, { error: `must be a whole number from ${min} to ${max}` })
    .max(max, { error: `must be a whole number from ${min} to ${max}` });

/** `?page_size=&current_page=` (Portkey's names; pages count from 0) and `?workspace_id=`. */
export const pageQuerySchema = z.object({
  page_size: pageInt(1, MAX_PAGE_SIZE).default(100),
  current_page: pageInt(0, 1_000_000).default(0),
  workspace_id: z.string().optional(),
});

/** The query string as an object (the last value of a repeated parameter wins). */
export function queryObject(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams.entries());
}

export function paging(query: { page_size: number; current_page: number }): { skip: number; take: number } {
  return { skip: query.page_size * query.current_page, take: query.page_size };
}

/**
 * Everything is scoped to the caller's workspace. Portkey clients may name one (`workspace_id`):
 * it must be the caller's own.
 */
export function assertOwnWorkspace(principal: Principal, workspaceId: string | undefined | null): void {
  if (workspaceId === undefined || workspaceId === null || workspaceId === "" || workspaceId === principal.workspaceId) return;
  throw new DetourError(
    "forbidden",
    `workspace_id ${JSON.stringify(workspaceId)} is not this key's workspace; Detour scopes every call to the workspace of the caller (${principal.workspaceId}).`,
  );
}

/** Dates as ISO text, null as null. */
export function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}
