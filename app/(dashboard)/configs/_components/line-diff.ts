/** A line diff by longest common subsequence: enough for two config versions (a few hundred lines). */
export type DiffLine = { kind: "same" | "added" | "removed"; text: string; oldNo?: number; newNo?: number };

const MAX_CELLS = 4_000_000;

export function diffLines(before: string, after: string): DiffLine[] {
  const a = before.split("\n");
  const b = after.split("\n");
  if (a.length * b.length > MAX_CELLS) {
    // Too big for the table: show the whole change as removed then added.
    return [
      ...a.map((text, i) => ({ kind: "removed" as const, text, oldNo: i + 1 })),
      ...b.map((text, i) => ({ kind: "added" as const, text, newNo: i + 1 })),
    ];
  }
  // lcs[i][j] = length of the LCS of a[i..] and b[j..]
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] = a[i] === b[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ kind: "same", text: a[i]!, oldNo: i + 1, newNo: j + 1 });
      i++;
      j++;
    } else if (lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!) {
      out.push({ kind: "removed", text: a[i]!, oldNo: i + 1 });
      i++;
    } else {
      out.push({ kind: "added", text: b[j]!, newNo: j + 1 });
      j++;
    }
  }
  for (; i < a.length; i++) out.push({ kind: "removed", text: a[i]!, oldNo: i + 1 });
  for (; j < b.length; j++) out.push({ kind: "added", text: b[j]!, newNo: j + 1 });
  return out;
}
