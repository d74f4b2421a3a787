/** Percentiles and Markdown formatting shared by the benchmarks. */

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export type Summary = { n: number; p50: number; p90: number; p99: number; mean: number; max: number };

export function summary(values: ArrayLike<number>): Summary {
  const s = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of s) sum += v;
  return {
    n: s.length,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    mean: sum / (s.length || 1),
    max: s.length ? s[s.length - 1]! : NaN,
  };
}

export function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "–";
}
export function signed(n: number, digits = 2): string {
  return Number.isFinite(n) ? `${n >= 0 ? "+" : ""}${n.toFixed(digits)}` : "–";
}
export function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}
export function statusText(s: Record<string, number>, errors: number): string {
  const parts = Object.entries(s).map(([k, v]) => `${k}×${v}`);
  if (errors) parts.push(`errors×${errors}`);
  return parts.join(" ");
}
