import { describe, expect, it } from "vitest";
import { displayLocale, number } from "./format";

describe("displayLocale", () => {
  it("reads a C/POSIX system locale as plain English", () => {
    // LANG=C.UTF-8 resolves to the POSIX variant, whose numbers have no separators.
    expect(displayLocale("en-US-u-va-posix")).toBe("en-US");
    expect(displayLocale("en-US-POSIX")).toBe("en-US");
    expect(displayLocale("c")).toBe("en-US");
    expect(new Intl.NumberFormat(displayLocale("en-US-u-va-posix")).format(25342)).toBe("25,342");
  });

  it("keeps every real locale", () => {
    for (const locale of ["en-US", "de-DE", "fr-CA", "ca-ES", "zh-Hans-CN"]) {
      expect(displayLocale(locale)).toBe(locale);
    }
  });
});

describe("number", () => {
  it("groups thousands", () => {
    // Node's test runtime resolves a real locale; the separator is the locale's own.
    expect(number(25342)).toMatch(/^25\D342$/);
    expect(number(7)).toBe("7");
  });
});
