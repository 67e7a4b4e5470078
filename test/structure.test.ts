/**
 * The module structure issue 8 asked for, checked on the sources: the manifest is a model type (plan
 * does not import host for it), and the CLI's command files and main.ts do not import each other.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../src", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")
        ? [join(dir, e.name)]
        : [],
  );
}

/** Relative imports of a file (static, type-only and dynamic), as paths relative to src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/from\s+"(\.[^"]+)"|import\("(\.[^"]+)"\)/g)].map((m) => m[1] ?? m[2]);
  return specs.map((s) => relative(SRC, normalize(join(dirname(file), s))));
}

describe("the module structure", () => {
  it("has no module of src/plan importing from src/host", () => {
    const offending = sources(join(SRC, "plan")).flatMap((f) =>
      importsOf(f)
        .filter((i) => i.startsWith("host/"))
        .map((i) => `${relative(SRC, f)} → ${i}`),
    );
    expect(offending).toEqual([]);
  });

  it("has no command file importing main.ts, which loads the command files", () => {
    const offending = sources(join(SRC, "cli"))
      .filter((f) => !f.endsWith("main.ts") && !f.endsWith("bin.ts"))
      .filter((f) => importsOf(f).includes("cli/main.ts"))
      .map((f) => relative(SRC, f));
    expect(offending).toEqual([]);
  });

  it("keeps the search's loop in search.ts and each kind of candidate in a file of its own", () => {
    const search = importsOf(join(SRC, "plan", "search.ts"));
    for (const part of ["merges", "local-moves", "splits", "candidates"])
      expect(search).toContain(`plan/search/${part}.ts`);
  });
});
