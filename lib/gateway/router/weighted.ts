/**
 * Weighted random choice, written once: each item is drawn with probability weight / Σ weights;
 * items with weight 0 (or a negative or non-finite weight) are never drawn.
 */
export function pickWeighted<Item>(items: readonly Item[], weightOf: (item: Item) => number, random: () => number): Item | undefined {
  const eligible = items.filter((item) => isDrawable(weightOf(item)));
  const total = eligible.reduce((sum, item) => sum + weightOf(item), 0);
  if (eligible.length === 0 || total <= 0) return undefined;
  // random() is in [0, 1); clamp in case an injected source returns 1.
  const point = Math.min(Math.max(random(), 0), 1 - Number.EPSILON) * total;
  let cumulative = 0;
  for (const item of eligible) {
    cumulative += weightOf(item);
    if (point < cumulative) return item;
  }
  return eligible[eligible.length - 1];
}

function isDrawable(weight: number): boolean {
  return Number.isFinite(weight) && weight > 0;
}
