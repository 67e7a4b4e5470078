import { describe, expect, it } from "vitest";
import { printable, report, table } from "./format.ts";

describe("text made safe for a terminal", () => {
  it("shows C0 and C1 controls, DEL and bidirectional overrides as escapes", () => {
    expect(printable("a\u001b[2Jb\u0007c\u007fd\u009be\u202ef\u2066g\r\n\t")).toBe(
      "a\\x1b[2Jb\\x07c\\x7fd\\x9be\\u202ef\\u2066g\\x0d\\x0a\\x09",
    );
  });

  it("leaves every other character alone, accents, CJK and emoji included", () => {
    const text = "café → 東京 🚀 ‑ nbsp\u00a0zwj\u200d";
    expect(printable(text)).toBe(text);
  });

  it("keeps a report's own line breaks and escapes those inside its lines", () => {
    expect(report(["one", "two\nlines"])).toBe("one\ntwo\\x0alines\n");
  });

  it("aligns table columns by what is printed, escapes included", () => {
    expect(
      table([
        ["a\u001b", "1"],
        ["bbbbbb", "22"],
      ]),
    ).toEqual(["  a\\x1b     1", "  bbbbbb   22"]);
  });
});
