/**
 * What grew between two V8 heap snapshots (`.heapsnapshot`, e.g. from bench/stream-memory.ts
 * --heap-snapshots): objects grouped by constructor (closures by function name, strings, arrays and
 * V8's internal kinds by kind), with the growth in count and self size, largest first; `--per N`
 * divides the growth by N (e.g. the number of streams open in the second snapshot).
 *
 *   node --max-old-space-size=8192 --import tsx bench/heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [--per 2000] [--top 40]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { fmt, table } from "./lib/stats";

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { per: { type: "string", default: "1" }, top: { type: "string", default: "40" } },
});
if (positionals.length !== 2) throw new Error("usage: bench/heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [--per N] [--top 40]");
const PER = Number(opts.per);
const TOP = Number(opts.top);

type Snapshot = {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
};

type Group = { count: number; bytes: number };

/** count and self size per group: "Name" for objects, "closure name()" for closures, "(kind)" for the rest. */
function groups(file: string): Map<string, Group> {
  const snap = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const out = new Map<string, Group>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const name = snap.strings[snap.nodes[i + nameAt]!]!;
    const key =
      type === "object"
        ? name
        : type === "closure"
          ? `closure ${name || "(anonymous)"}()`
          : type === "native"
            ? `native ${name}`
            : `(${type})`;
    const g = out.get(key) ?? { count: 0, bytes: 0 };
    g.count += 1;
    g.bytes += snap.nodes[i + sizeAt]!;
    out.set(key, g);
  }
  return out;
}

const before = groups(positionals[0]!);
const after = groups(positionals[1]!);
const rows = [...after]
  .map(([key, a]) => {
    const b = before.get(key) ?? { count: 0, bytes: 0 };
    return { key, count: a.count - b.count, bytes: a.bytes - b.bytes };
  })
  .sort((x, y) => y.bytes - x.bytes);
const total = rows.reduce((n, r) => n + r.bytes, 0);
console.log(
  `self size grown: ${fmt(total / 2 ** 20, 1)} MiB in all${PER > 1 ? `, ${fmt(total / PER / 1024, 2)} KiB per ${PER === 1 ? "" : "unit"} (÷ ${PER})` : ""}\n` +
    table(
      ["group", "count grown", PER > 1 ? "per unit" : "", "bytes grown", PER > 1 ? "bytes per unit" : "", "share"],
      rows
        .slice(0, TOP)
        .map((r) => [
          r.key.slice(0, 80),
          String(r.count),
          PER > 1 ? fmt(r.count / PER, 2) : "",
          String(r.bytes),
          PER > 1 ? fmt(r.bytes / PER, 0) : "",
          `${fmt((100 * r.bytes) / total, 1)}%`,
        ]),
    ),
);
