/**
 * The config builder's JSON editor, without the editor: where in the text a JSON syntax error is,
 * where a config issue's path (`targets[1].retry.attempts`) is, and what to complete at a position
 * (the config keys each level takes, read from the gateway's own zod schema, and values: virtual-key
 * slugs, strategy modes, providers, the target names a condition routes to). Pure: the editor (app/(dashboard)/configs/_components/json-editor.tsx)
 * turns these into CodeMirror diagnostics and completions.
 */
import { parser } from "@lezer/json";
import type { SyntaxNode } from "@lezer/common";
import { camelToSnake } from "../gateway/config/keys";
import {
  AFFINITY_ON_ORIGIN_FAILURE,
  BALANCE_BY,
  CACHE_MODES,
  PROVIDERS,
  STRATEGY_MODES,
  affinitySettingsSchema,
  cacheSettingsSchema,
  circuitBreakerSettingsSchema,
  conditionSchema,
  retrySettingsSchema,
  strategySchema,
  targetSchema,
} from "../gateway/config/schema";

export type Seg = string | number;
export type Range = { from: number; to: number };

/** `targets[1].retry.attempts`, `query["metadata.tier"]` -> segments (the inverse of formatIssuePath). */
export function parseIssuePath(path: string): Seg[] {
  const out: Seg[] = [];
  const re = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/g;
  for (const m of path.matchAll(re)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(m[2]) as string);
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

/** Where the text stops being JSON: the first place the JSON grammar cannot read (null when it parses). */
export function jsonSyntaxError(text: string): { pos: number; message: string } | null {
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    let pos = text.length;
    parser.parse(text).iterate({
      enter: (node) => {
        if (node.type.isError && node.from < pos) pos = node.from;
        return pos === text.length;
      },
    });
    // An error node may sit after whitespace the parser skipped: point at the first character that is not.
    return { pos: Math.min(pos, text.length), message };
  }
}

function stringValue(text: string, node: SyntaxNode): string | null {
  try {
    return JSON.parse(text.slice(node.from, node.to)) as string;
  } catch {
    return null;
  }
}

function valueChildren(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (!c.type.isError && !/^[[\]{},:]$/.test(c.name)) out.push(c);
  return out;
}

/**
 * Where the issue at `path` shows in the text: a scalar value itself, or the key of an object or
 * array value (an underline under the key, not under a whole block). A path that goes further than
 * the text (a required key that is missing) lands on the deepest part that exists, `exact: false`.
 */
export function locatePath(text: string, path: readonly Seg[]): (Range & { exact: boolean }) | null {
  const tree = parser.parse(text);
  let node: SyntaxNode | null = tree.topNode.firstChild;
  while (node?.type.isError) node = node.nextSibling;
  if (!node) return null;
  let at: Range = { from: node.from, to: Math.min(node.to, node.from + 1) };
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    let next: SyntaxNode | null = null;
    let key: SyntaxNode | null = null;
    if (node.name === "Object" && typeof seg === "string") {
      for (const prop of valueChildren(node)) {
        const name = prop.getChild("PropertyName");
        const written = name ? stringValue(text, name) : null;
        // Issues name keys in snake_case; the text may spell them in camelCase (normalised by the engine).
        if (written === null || (written !== seg && camelToSnake(written) !== seg)) continue;
        key = name;
        next = valueChildren(prop).find((c) => c.name !== "PropertyName") ?? null;
      }
    } else if (node.name === "Array" && typeof seg === "number") {
      next = valueChildren(node)[seg] ?? null;
    }
    if (!next) return { ...(key ? { from: key.from, to: key.to } : at), exact: false };
    const last = i === path.length - 1;
    const block = next.name === "Object" || next.name === "Array";
    at = block ? (key ? { from: key.from, to: key.to } : { from: next.from, to: next.from + 1 }) : { from: next.from, to: next.to };
    if (last) return { ...at, exact: true };
    node = next;
  }
  return { ...at, exact: true };
}

// ---- completion -------------------------------------------------------------------------------

type Shape = Record<string, unknown>;

/** What a zod field is, in a word, for a completion's detail. */
function kindOf(schema: unknown): string {
  let s = schema as { _zod?: { def?: { type?: string; innerType?: unknown; in?: unknown } } } | undefined;
  for (let i = 0; i < 5 && s?._zod?.def; i++) {
    const def = s._zod.def;
    if (def.type === "optional" || def.type === "default" || def.type === "nullable") s = def.innerType as typeof s;
    else if (def.type === "pipe") s = def.in as typeof s;
    else break;
  }
  const type = s?._zod?.def?.type ?? "value";
  return type === "enum" || type === "literal" ? "string" : type;
}

type Level = { name: string; shape: Shape };

const shapeOf = (schema: { shape: Shape }): Shape => schema.shape;
const NODE: Level = { name: "target", shape: shapeOf(targetSchema as unknown as { shape: Shape }) };
/** A strategy's keys: every mode's, mode first. */
const STRATEGY: Level = {
  name: "strategy",
  shape: Object.assign({}, ...strategySchema.options.map((o) => shapeOf(o as unknown as { shape: Shape }))) as Shape,
};
const CONDITION: Level = { name: "condition", shape: shapeOf(conditionSchema as unknown as { shape: Shape }) };
const CHILD_LEVELS: Record<string, Level> = {
  strategy: STRATEGY,
  retry: { name: "retry", shape: shapeOf(retrySettingsSchema) },
  cache: { name: "cache", shape: shapeOf(cacheSettingsSchema) },
  circuit_breaker: { name: "circuit_breaker", shape: shapeOf(circuitBreakerSettingsSchema) },
  affinity: { name: "affinity", shape: shapeOf(affinitySettingsSchema) },
};

/** The level of the config an object at `path` is (null: user data such as override_params, or not a config object). */
export function levelAt(path: readonly Seg[]): Level | null {
  let level: Level | null = NODE;
  for (let i = 0; i < path.length && level; i++) {
    const seg = path[i];
    if (typeof seg !== "string") return null; // an index is consumed with its array's key
    const key = camelToSnake(seg);
    if (level === NODE && key === "targets" && typeof path[i + 1] === "number") {
      i++;
      continue;
    }
    if (level === STRATEGY && key === "conditions" && typeof path[i + 1] === "number") {
      level = CONDITION;
      i++;
      continue;
    }
    level = level === NODE ? (CHILD_LEVELS[key] ?? null) : null;
  }
  return level;
}

export type CompletionOption = { label: string; detail: string; apply: string; type: "property" | "enum" | "variable" };
export type CompletionResult = { from: number; to: number; options: CompletionOption[] };

type Frame = { kind: "object"; key: string | null; expectKey: boolean } | { kind: "array"; index: number };

/**
 * Reads `text` up to `pos` as far as JSON goes, keeping the stack of open objects and arrays: the
 * path of the position, and whether a key or a value comes there. Tolerant: the text after `pos`
 * is not read, and an unfinished string at `pos` is what is being typed.
 */
function scanTo(text: string, pos: number): { stack: Frame[]; open: { from: number; isKey: boolean } | null; keyOfValue: string | null } {
  const stack: Frame[] = [];
  let i = 0;
  const top = () => stack[stack.length - 1];
  while (i < pos) {
    const ch = text[i] ?? "";
    if (ch === '"') {
      const start = i;
      i++;
      while (i < pos && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      const frame = top();
      const isKey = frame?.kind === "object" && frame.expectKey;
      if (i >= pos) return { stack, open: { from: start + 1, isKey }, keyOfValue: isKey ? null : valueKey(frame) };
      let value: string | null = null;
      try {
        value = JSON.parse(text.slice(start, i + 1)) as string;
      } catch {
        value = null;
      }
      if (isKey && frame?.kind === "object") {
        frame.key = value;
        frame.expectKey = false;
      }
      i++;
      continue;
    }
    if (ch === "{") stack.push({ kind: "object", key: null, expectKey: true });
    else if (ch === "[") stack.push({ kind: "array", index: 0 });
    else if (ch === "}" || ch === "]") stack.pop();
    else if (ch === ",") {
      const frame = top();
      if (frame?.kind === "object") {
        frame.expectKey = true;
        frame.key = null;
      } else if (frame?.kind === "array") frame.index++;
    }
    i++;
  }
  return { stack, open: null, keyOfValue: null };
}

function valueKey(frame: Frame | undefined): string | null {
  return frame?.kind === "object" ? frame.key : null;
}

/** The path of the object or array at the top of the stack (the keys and indexes that lead to it). */
function pathOf(stack: Frame[]): Seg[] {
  const path: Seg[] = [];
  for (let i = 0; i < stack.length - 1; i++) {
    const frame = stack[i];
    if (frame?.kind === "object") path.push(frame.key ?? "");
    else if (frame?.kind === "array") path.push(frame.index);
  }
  return path;
}

function valueOptions(level: Level, key: string, slugs: readonly { slug: string; detail: string }[]): CompletionOption[] {
  const words = (list: readonly string[], detail: string) => list.map((v) => ({ label: v, detail, apply: v, type: "enum" as const }));
  if (level === NODE && key === "virtual_key")
    return slugs.map((s) => ({ label: s.slug, detail: s.detail, apply: s.slug, type: "variable" }));
  if (level === NODE && key === "provider") return words(PROVIDERS, "provider");
  if (level === STRATEGY && key === "mode") return words(STRATEGY_MODES, "strategy mode");
  if (level === STRATEGY && key === "by") return words(BALANCE_BY, "loadbalance by");
  if (level.name === "cache" && key === "mode") return words(CACHE_MODES, "cache mode");
  if (level.name === "affinity" && key === "on_origin_failure") return words(AFFINITY_ON_ORIGIN_FAILURE, "affinity");
  return [];
}

/**
 * What may be typed at `pos`: a key of the config level the position is in (inside quotes, or
 * where a key goes: then the option writes `"key": `), or a value of a key whose values are known
 * (a virtual-key slug of the workspace, a strategy mode, a provider). Null: nothing to offer.
 * `slugs`: the workspace's active virtual keys, each with the words shown beside it.
 */
export function completeAt(text: string, pos: number, slugs: readonly { slug: string; detail: string }[]): CompletionResult | null {
  const { stack, open, keyOfValue } = scanTo(text, pos);
  const frame = stack[stack.length - 1];
  if (!frame) return null;
  const path = pathOf(stack);
  if (open) {
    // Inside a string: a key, or a value; it ends at the closing quote if there is one on the line.
    const rest = text.slice(pos).match(/^(?:[^"\\\n]|\\.)*"/);
    const to = rest ? pos + rest[0].length - 1 : pos;
    if (open.isKey) {
      const level = frame.kind === "object" ? levelAt(path) : null;
      if (!level) return null;
      return { from: open.from, to, options: keyOptions(level, false) };
    }
    if (frame.kind !== "object" || keyOfValue === null) return null;
    const level = levelAt(path);
    if (!level) return null;
    const key = camelToSnake(keyOfValue);
    // A condition's `then` and a strategy's `default` name one of the node's targets.
    const strategyAt = level === CONDITION ? path.length - 3 : level === STRATEGY && key === "default" ? path.length - 1 : -1;
    const options =
      strategyAt >= 0 && (key === "then" || key === "default")
        ? targetNames(text, path.slice(0, strategyAt)).map((name) => ({
            label: name,
            detail: "target name",
            apply: name,
            type: "variable" as const,
          }))
        : valueOptions(level, key, slugs);
    return options.length ? { from: open.from, to, options } : null;
  }
  // Outside a string: a bare word where a key goes (the option adds the quotes and the colon).
  if (frame.kind !== "object" || !frame.expectKey) return null;
  const level = levelAt(path);
  if (!level) return null;
  const word = /[A-Za-z_$][\w$]*$/.exec(text.slice(0, pos))?.[0] ?? "";
  return { from: pos - word.length, to: pos, options: keyOptions(level, true) };
}

/** The `name`s of the targets of the node at `nodePath` (read from the whole text, tolerant of an unfinished document). */
export function targetNames(text: string, nodePath: readonly Seg[]): string[] {
  let node: SyntaxNode | null = parser.parse(text).topNode.firstChild;
  while (node?.type.isError) node = node.nextSibling;
  for (const seg of [...nodePath, "targets"]) {
    if (!node) return [];
    node = childAt(text, node, seg);
  }
  if (node?.name !== "Array") return [];
  const names: string[] = [];
  for (const target of valueChildren(node)) {
    const name = target.name === "Object" ? childAt(text, target, "name") : null;
    const value = name?.name === "String" ? stringValue(text, name) : null;
    if (value && !names.includes(value)) names.push(value);
  }
  return names;
}

/** The value at `seg` of an object (by key, camelCase spellings too) or an array (by index). */
function childAt(text: string, node: SyntaxNode, seg: Seg): SyntaxNode | null {
  if (node.name === "Array" && typeof seg === "number") return valueChildren(node)[seg] ?? null;
  if (node.name !== "Object" || typeof seg !== "string") return null;
  for (const prop of valueChildren(node)) {
    const name = prop.getChild("PropertyName");
    const written = name ? stringValue(text, name) : null;
    if (written !== null && (written === seg || camelToSnake(written) === seg))
      return valueChildren(prop).find((c) => c.name !== "PropertyName") ?? null;
  }
  return null;
}

function keyOptions(level: Level, quoted: boolean): CompletionOption[] {
  return Object.keys(level.shape).map((key) => ({
    label: key,
    detail: kindOf(level.shape[key]),
    apply: quoted ? `"${key}": ` : key,
    type: "property" as const,
  }));
}
