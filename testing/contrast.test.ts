import { describe, expect, it } from "vitest";
import { backdrop, contrastOf, contrastRatio, lowContrast, parseColor } from "./contrast";

describe("contrast", () => {
  it("parses the colours getComputedStyle gives", () => {
    expect(parseColor("rgb(47, 91, 234)")).toEqual({ r: 47, g: 91, b: 234, a: 1 });
    expect(parseColor("rgba(16, 24, 40, 0.45)")).toEqual({ r: 16, g: 24, b: 40, a: 0.45 });
    expect(parseColor("rgb(1 2 3 / 50%)")).toEqual({ r: 1, g: 2, b: 3, a: 0.5 });
    expect(parseColor("transparent").a).toBe(0);
    expect(() => parseColor("#fff")).toThrow(/computed/);
  });

  it("computes WCAG ratios: black on white is 21, a colour on itself 1, known pairs", () => {
    expect(contrastRatio(parseColor("rgb(0, 0, 0)"), parseColor("rgb(255, 255, 255)"))).toBeCloseTo(21, 5);
    expect(contrastRatio(parseColor("rgb(9, 9, 9)"), parseColor("rgb(9, 9, 9)"))).toBe(1);
    // #767676 on white is the classic 4.54:1
    expect(contrastRatio(parseColor("rgb(118, 118, 118)"), parseColor("rgb(255, 255, 255)"))).toBeCloseTo(4.54, 2);
  });

  it("lays translucent backgrounds over the first opaque one, nearest first", () => {
    const bg = backdrop(["rgba(0, 0, 0, 0)", "rgba(0, 0, 0, 0.5)", "rgb(255, 255, 255)", "rgb(0, 0, 0)"]);
    expect(bg.r).toBeCloseTo(127.5, 5);
    expect(backdrop(["rgba(0, 0, 0, 0)"])).toEqual({ r: 255, g: 255, b: 255, a: 1 });
  });

  it("fades text by its opacity, and lists what is too faint for its size", () => {
    const solid = { color: "rgb(0, 0, 0)", backgrounds: ["rgb(255, 255, 255)"], opacity: 1, faded: 0 };
    expect(contrastOf(solid)).toBeCloseTo(21, 5);
    expect(contrastOf({ ...solid, opacity: 0.2 })).toBeLessThan(2);
    // A faded button: its own background fades with its text into the panel beneath (white text,
    // black button, half opacity, on white: white on mid grey, about 4:1).
    const button = { color: "rgb(255, 255, 255)", backgrounds: ["rgb(0, 0, 0)", "rgb(255, 255, 255)"], opacity: 0.5, faded: 1 };
    expect(contrastOf(button)).toBeCloseTo(3.98, 1);
    const grey = { what: "span", text: "x", color: "rgb(140, 140, 140)", backgrounds: ["rgb(255, 255, 255)"], opacity: 1, faded: 0 };
    expect(lowContrast([{ ...grey, large: false, disabled: false }])).toHaveLength(1);
    expect(lowContrast([{ ...grey, large: true, disabled: false }])).toHaveLength(0);
    expect(lowContrast([{ ...grey, large: false, disabled: true }])).toHaveLength(0);
  });
});
