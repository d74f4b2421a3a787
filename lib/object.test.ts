import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { copyOf, withChanges } from "./object";

const root = path.resolve(__dirname, "..");
/** The request path: every module an inference request runs through. */
const REQUEST_PATH = ["lib/gateway", "lib/http", "lib/tracing", "scripts/server.ts"];

function sources(entry: string): string[] {
  const full = path.join(root, entry);
  if (statSync(full).isFile()) return [full];
  return readdirSync(full, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".d.ts"))
    .map((f) => path.join(full, f));
}

/** `file:line: text` of each object literal whose first element is a spread. */
function headSpreads(file: string, text = readFileSync(file, "utf8")): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isObjectLiteralExpression(node) && node.properties[0] && ts.isSpreadAssignment(node.properties[0])) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push(`${path.relative(root, file)}:${line + 1}: ${node.getText(source).split("\n")[0]}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("copies on the request path", () => {
  it("withChanges copies, the changes winning, and leaves the base alone", () => {
    const base = { a: 1, b: "x" };
    const copy = withChanges(base, { b: "y", c: true });
    expect(copy).toEqual({ a: 1, b: "y", c: true });
    expect(base).toEqual({ a: 1, b: "x" });
    expect(copy).not.toBe(base);
  });

  it("keeps an own __proto__ key a key, as a spread does (a JSON body may have one)", () => {
    const body = JSON.parse('{"model":"m","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const copy = withChanges(body, { stream: true });
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, "__proto__")).toBe(true);
    expect(JSON.stringify(copy)).toBe('{"model":"m","__proto__":{"polluted":true},"stream":true}');
    const plain = copyOf(body);
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(JSON.stringify(plain)).toBe('{"model":"m","__proto__":{"polluted":true}}');
    expect(copyOf({ a: 1 })).toEqual({ a: 1 });
  });

  it("no object literal on the request path starts with a spread (lib/object.ts says why)", () => {
    const files = REQUEST_PATH.flatMap(sources);
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap((f) => headSpreads(f))).toEqual([]);
  });

  it("the check finds a literal that starts with a spread, and only that", () => {
    const text = "const a = { ...b, c: 1 };\nconst d = { e: 1, ...f };\nconst g = [...h];\nconst i = f({ ...j });\n";
    expect(headSpreads(path.join(root, "x.ts"), text)).toEqual(["x.ts:1: { ...b, c: 1 }", "x.ts:4: { ...j }"]);
  });
});
