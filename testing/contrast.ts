/**
 * WCAG 2 contrast from computed colours, for the e2e theme checks (e2e/dark-theme.spec.ts):
 * parse what `getComputedStyle` gives (`rgb(...)`, `rgba(...)`), lay translucent backgrounds over
 * the opaque one beneath them, and compute the ratio (1 to 21). `pageColors` runs in the browser and
 * collects, for each element a selector finds, its text colour, the backgrounds from it up to the
 * root, and the opacity it is drawn with; `contrastOf` turns that into a ratio in Node.
 */
import type { Locator, Page } from "@playwright/test";

export type Rgba = { r: number; g: number; b: number; a: number };

/** `rgb(1, 2, 3)`, `rgba(1, 2, 3, 0.5)`, `rgb(1 2 3 / 50%)`; `transparent` is rgba(0,0,0,0). */
export function parseColor(text: string): Rgba {
  const t = text.trim().toLowerCase();
  if (t === "transparent") return { r: 0, g: 0, b: 0, a: 0 };
  const m = /^rgba?\(([^)]+)\)$/.exec(t);
  if (!m) throw new Error(`not a computed rgb() colour: ${text}`);
  const parts = m[1]!.split(/[\s,/]+/).filter(Boolean);
  if (parts.length < 3) throw new Error(`not a computed rgb() colour: ${text}`);
  const channel = (p: string) => Number.parseFloat(p);
  const alpha = parts[3] === undefined ? 1 : parts[3].endsWith("%") ? Number.parseFloat(parts[3]) / 100 : Number.parseFloat(parts[3]);
  return { r: channel(parts[0]!), g: channel(parts[1]!), b: channel(parts[2]!), a: alpha };
}

/** `top` drawn over the opaque `bottom` (source-over). */
export function over(top: Rgba, bottom: Rgba): Rgba {
  const a = top.a;
  return { r: top.r * a + bottom.r * (1 - a), g: top.g * a + bottom.g * (1 - a), b: top.b * a + bottom.b * (1 - a), a: 1 };
}

/** WCAG relative luminance of an opaque colour. */
export function luminance(c: Rgba): number {
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

/** WCAG contrast ratio of two opaque colours, 1 to 21. */
export function contrastRatio(a: Rgba, b: Rgba): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** What the browser tells of one element: its colour, the backgrounds from it to the root (nearest first), its opacity. */
export type ColorSample = {
  what: string;
  text: string;
  color: string;
  backgrounds: string[];
  /** The product of its own and its ancestors' opacity. */
  opacity: number;
  /**
   * How many of `backgrounds` (nearest first) are inside the faded group (up to the outermost
   * ancestor with opacity below 1): they fade with the text; the rest are what the group is drawn on.
   */
  faded: number;
  /** WCAG "large text": 24 px, or 18.66 px bold. */
  large: boolean;
  /** Inside a disabled control (WCAG exempts those; Detour still keeps them at 3:1, faded but legible). */
  disabled: boolean;
};

/** The background an element is drawn on: its backgrounds, nearest first, laid over the first opaque one (white when none is). */
export function backdrop(backgrounds: readonly string[]): Rgba {
  const layers: Rgba[] = [];
  for (const text of backgrounds) {
    const c = parseColor(text);
    if (c.a === 0) continue;
    layers.push(c);
    if (c.a >= 1) break;
  }
  let base: Rgba = { r: 255, g: 255, b: 255, a: 1 };
  for (let i = layers.length - 1; i >= 0; i--) base = over(layers[i]!, base);
  return base;
}

/**
 * The contrast of a sample's text with what it is drawn on. An element drawn with opacity (a
 * disabled button, a step done) fades as a whole, its own background included, into what lies
 * beneath it: both sides of the ratio are mixed with that.
 */
export function contrastOf(sample: Pick<ColorSample, "color" | "backgrounds" | "opacity"> & { faded?: number }): number {
  const fg = parseColor(sample.color);
  const faded = sample.opacity < 1 ? (sample.faded ?? 0) : 0;
  if (faded === 0) {
    const bg = backdrop(sample.backgrounds);
    return contrastRatio(over({ ...fg, a: fg.a * sample.opacity }, bg), bg);
  }
  const beneath = backdrop(sample.backgrounds.slice(faded));
  const inner = backdrop([...sample.backgrounds.slice(0, faded), `rgb(${beneath.r}, ${beneath.g}, ${beneath.b})`]);
  const text = over(fg, inner);
  const bg = over({ ...inner, a: sample.opacity }, beneath);
  return contrastRatio(over({ ...text, a: sample.opacity }, beneath), bg);
}

/** The least ratio a sample's text needs (WCAG AA): 3 for large text (and for a disabled control's), else 4.5. */
export function requiredRatio(sample: Pick<ColorSample, "large" | "disabled">): number {
  return sample.large || sample.disabled ? 3 : 4.5;
}

/**
 * Every visible element under `root` that holds text of its own (a text node child), sampled in the
 * browser. Hidden (display none, visibility hidden, zero size, clipped to 1 px) elements are left out.
 */
export async function textSamples(root: Locator, limit = 400): Promise<ColorSample[]> {
  return root.evaluate((top, max) => {
    const out: ColorSample[] = [];
    const walker = document.createTreeWalker(top, NodeFilter.SHOW_ELEMENT);
    const seen = new Set<Element>();
    for (let node: Node | null = top; node && out.length < max; node = walker.nextNode()) {
      const el = node as HTMLElement;
      if (seen.has(el)) continue;
      seen.add(el);
      const own = Array.from(el.childNodes)
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent ?? "")
        .join("")
        .trim();
      if (!own) continue;
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      if (box.width <= 1 || box.height <= 1 || style.visibility === "hidden" || style.display === "none") continue;
      if (el.closest("[hidden], [aria-hidden='true'], svg, .sr-only, .recharts-wrapper")) continue;
      if (el.checkVisibility && !el.checkVisibility({ opacityProperty: false, visibilityProperty: true })) continue;
      const backgrounds: string[] = [];
      let opacity = 1;
      let faded = 0;
      for (let a: Element | null = el; a; a = a.parentElement) {
        const s = getComputedStyle(a);
        backgrounds.push(s.backgroundColor);
        const own = Number.parseFloat(s.opacity);
        opacity *= own;
        if (own < 1) faded = backgrounds.length;
      }
      const size = Number.parseFloat(style.fontSize);
      const weight = Number.parseInt(style.fontWeight, 10);
      const id = el.id ? `#${el.id}` : "";
      const cls = typeof el.className === "string" && el.className ? `.${el.className.trim().split(/\s+/).join(".")}` : "";
      out.push({
        what: `${el.tagName.toLowerCase()}${id}${cls}`,
        text: own.slice(0, 40),
        color: style.color,
        backgrounds,
        opacity,
        faded,
        large: size >= 24 || (size >= 18.66 && weight >= 700),
        disabled: el.closest(":disabled, [aria-disabled='true']") !== null,
      });
    }
    return out;
  }, limit);
}

/** The samples whose contrast is below what WCAG AA asks, as lines for a failure message. */
export function lowContrast(samples: readonly ColorSample[]): string[] {
  return samples.flatMap((s) => {
    const ratio = contrastOf(s);
    return ratio + 1e-9 < requiredRatio(s) ? [`${s.what} "${s.text}": ${ratio.toFixed(2)} < ${requiredRatio(s)} (${s.color})`] : [];
  });
}

/** The page's own background and text colour (the body's). */
export async function pageColors(page: Page): Promise<{ background: Rgba; text: Rgba }> {
  const { background, text } = await page.evaluate(() => {
    const s = getComputedStyle(document.body);
    return { background: s.backgroundColor, text: s.color };
  });
  return { background: parseColor(background), text: parseColor(text) };
}
