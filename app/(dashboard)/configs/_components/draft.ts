/**
 * The builder's draft: the config as plain JSON (snake_case), edited by the form and by the JSON
 * view alike. Paths are arrays of segments; `pathKey` spells them the way the engine's issues do
 * (`targets[1].retry.attempts`), so an issue finds its field by string equality.
 */
import { formatIssuePath, type ConfigIssue } from "@/lib/gateway/config/schema";
import { isRecord } from "@/lib/is-record";

export type Json = Record<string, unknown>;
export type Seg = string | number;
export type Path = readonly Seg[];

export const pathKey = (path: Path): string => formatIssuePath(path);

export function getIn(root: unknown, path: Path): unknown {
  let node: unknown = root;
  for (const seg of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<Seg, unknown>)[seg];
  }
  return node;
}

/** A copy of `root` with `value` at `path`; `undefined` removes the key (or the array item). */
export function setIn(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [Seg, ...Seg[]];
  if (typeof head === "number") {
    const list = Array.isArray(root) ? [...root] : [];
    const next = setIn(list[head], rest, value);
    if (next === undefined && rest.length === 0) list.splice(head, 1);
    else list[head] = next;
    return list;
  }
  const obj: Json = isRecord(root) ? { ...root } : {};
  const next = setIn(obj[head], rest, value);
  if (next === undefined) delete obj[head];
  else obj[head] = next;
  return obj;
}

/** Drops keys whose value is an empty object (an emptied `retry`), so the JSON stays minimal. */
export function withoutEmpty(value: Json): Json | undefined {
  return Object.keys(value).length ? value : undefined;
}

export type IssueIndex = {
  all: ConfigIssue[];
  /** The message at exactly this path. */
  at: (path: Path) => string | undefined;
  /** The first message at this path or under it (`strategy.on_status_codes[1]`). */
  under: (path: Path) => string | undefined;
};

export function indexIssues(issues: ConfigIssue[]): IssueIndex {
  const byPath = new Map<string, string>();
  for (const issue of issues) if (!byPath.has(issue.path)) byPath.set(issue.path, issue.message);
  return {
    all: issues,
    at: (path) => byPath.get(pathKey(path)),
    under: (path) => {
      const key = pathKey(path);
      for (const issue of issues) {
        if (issue.path === key || issue.path.startsWith(`${key}[`) || issue.path.startsWith(`${key}.`)) {
          const rest = issue.path.slice(key.length);
          return rest ? `${rest.replace(/^\./, "")}: ${issue.message}` : issue.message;
        }
      }
      return undefined;
    },
  };
}

export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** A stored body (compact canonical JSON) as the indented text people read and diff. */
export function prettyBody(body: string): string {
  try {
    return prettyJson(JSON.parse(body));
  } catch {
    return body;
  }
}
