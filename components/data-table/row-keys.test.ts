import { describe, expect, it } from "vitest";
import { controlIndexForKey, ROW_PAGE_STEP, rowIndexForKey } from "./row-keys";

describe("rowIndexForKey", () => {
  it("moves one row with the arrows and stops at either end", () => {
    expect(rowIndexForKey("ArrowDown", 0, 3)).toBe(1);
    expect(rowIndexForKey("ArrowDown", 2, 3)).toBe(2);
    expect(rowIndexForKey("ArrowUp", 2, 3)).toBe(1);
    expect(rowIndexForKey("ArrowUp", 0, 3)).toBe(0);
  });

  it("jumps to the first and last row with Home and End", () => {
    expect(rowIndexForKey("Home", 7, 10)).toBe(0);
    expect(rowIndexForKey("End", 0, 10)).toBe(9);
  });

  it("moves a page of rows with Page Up and Page Down, clamped", () => {
    expect(rowIndexForKey("PageDown", 0, 50)).toBe(ROW_PAGE_STEP);
    expect(rowIndexForKey("PageDown", 45, 50)).toBe(49);
    expect(rowIndexForKey("PageUp", 15, 50)).toBe(15 - ROW_PAGE_STEP);
    expect(rowIndexForKey("PageUp", 3, 50)).toBe(0);
  });

  it("ignores other keys and empty tables", () => {
    expect(rowIndexForKey("Enter", 1, 3)).toBeNull();
    expect(rowIndexForKey("a", 1, 3)).toBeNull();
    expect(rowIndexForKey("ArrowDown", 0, 0)).toBeNull();
  });

  it("starts from the nearest row when the current index is outside the rows (a shorter page)", () => {
    expect(rowIndexForKey("ArrowUp", 40, 5)).toBe(3);
    expect(rowIndexForKey("ArrowDown", -1, 5)).toBe(1);
  });
});

describe("controlIndexForKey", () => {
  it("walks from the row (-1) through its controls and back", () => {
    expect(controlIndexForKey("ArrowRight", -1, 2)).toBe(0);
    expect(controlIndexForKey("ArrowRight", 0, 2)).toBe(1);
    expect(controlIndexForKey("ArrowRight", 1, 2)).toBeNull();
    expect(controlIndexForKey("ArrowLeft", 1, 2)).toBe(0);
    expect(controlIndexForKey("ArrowLeft", 0, 2)).toBe(-1);
    expect(controlIndexForKey("ArrowLeft", -1, 2)).toBeNull();
  });

  it("has nowhere to go in a row without controls, and ignores other keys", () => {
    expect(controlIndexForKey("ArrowRight", -1, 0)).toBeNull();
    expect(controlIndexForKey("ArrowDown", 0, 2)).toBeNull();
  });
});
