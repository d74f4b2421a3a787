import { describe, expect, it } from "vitest";
import { parseLogQuery } from "../logs/query";
import { dateToUtcPicker, urlTimeToUtcPicker, utcPickerToUrlTime } from "./utc-picker";

describe("urlTimeToUtcPicker", () => {
  it("shows a UTC time as it is, to the second", () => {
    expect(urlTimeToUtcPicker("2026-01-31T12:00:00.000Z")).toBe("2026-01-31T12:00:00");
    expect(urlTimeToUtcPicker("2026-01-31T12:00:05Z")).toBe("2026-01-31T12:00:05");
  });

  it("turns an offset into UTC and a plain date into its UTC midnight", () => {
    expect(urlTimeToUtcPicker("2026-01-31T14:30:00+02:00")).toBe("2026-01-31T12:30:00");
    expect(urlTimeToUtcPicker("2026-02-01")).toBe("2026-02-01T00:00:00");
  });

  it("keeps milliseconds when there are some", () => {
    expect(urlTimeToUtcPicker("2026-01-31T12:00:00.250Z")).toBe("2026-01-31T12:00:00.250");
  });

  it("cannot show what the log query refuses", () => {
    expect(urlTimeToUtcPicker(undefined)).toBeNull();
    expect(urlTimeToUtcPicker("")).toBeNull();
    expect(urlTimeToUtcPicker("yesterday")).toBeNull();
    expect(urlTimeToUtcPicker("2026-01-31T12:00:00")).toBeNull(); // no zone: ambiguous, refused by the query too
    expect(urlTimeToUtcPicker("2026-02-30")).toBeNull();
  });
});

describe("utcPickerToUrlTime", () => {
  it("reads the picker's value as UTC, adding seconds when the picker left them out", () => {
    expect(utcPickerToUrlTime("2026-01-31T12:00")).toBe("2026-01-31T12:00:00Z");
    expect(utcPickerToUrlTime("2026-01-31T12:00:05")).toBe("2026-01-31T12:00:05Z");
    expect(utcPickerToUrlTime("2026-01-31T12:00:05.250")).toBe("2026-01-31T12:00:05.250Z");
  });

  it("refuses what a picker would not produce", () => {
    expect(utcPickerToUrlTime("")).toBeNull();
    expect(utcPickerToUrlTime("2026-01-31")).toBeNull();
    expect(utcPickerToUrlTime("2026-01-31T12:00Z")).toBeNull();
  });

  it("round-trips through the log query: what the picker shows is what the URL filters by", () => {
    for (const url of ["2026-01-31T12:00:00.000Z", "2026-06-30T23:59:59.999Z", "2026-03-01T00:00:00+05:30"]) {
      const picker = urlTimeToUtcPicker(url);
      expect(picker).not.toBeNull();
      const back = utcPickerToUrlTime(picker!);
      const a = parseLogQuery({ from: url });
      const b = parseLogQuery({ from: back! });
      expect(a.success && b.success).toBe(true);
      if (a.success && b.success) expect(b.data.filters.from?.getTime()).toBe(a.data.filters.from?.getTime());
    }
  });
});

describe("dateToUtcPicker", () => {
  it("writes a Date in UTC whatever the process's zone", () => {
    expect(dateToUtcPicker(new Date(Date.UTC(2026, 0, 31, 23, 5, 9)))).toBe("2026-01-31T23:05:09");
  });
});
