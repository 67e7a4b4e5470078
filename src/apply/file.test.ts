import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import shop from "../../examples/shop/app.ts";
import { loadManifest, validateManifest } from "../host/manifest.ts";
import type { ClusteringManifest } from "../model/manifest.ts";
import { loadCatalog } from "../plan/catalog.ts";
import { fileApplier, MANIFEST_FILE_NAME } from "./file.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nanofuse-apply-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const request = (manifest: ClusteringManifest, version = 1) => ({
  proposalId: "p-42",
  version,
  manifest,
  idempotencyKey: `p-42-v${version}`,
});

/** A layout of `groups` one-unit groups: a manifest of about 60 bytes per group. */
const wide = (groups: number, version: string): ClusteringManifest => ({
  version,
  groups: Array.from({ length: groups }, (_, i) => ({ name: `group-${i}`, units: [`unit-${i}`] })),
});

describe("the manifest-file applier", () => {
  it("writes a manifest that nanofuse host loads and accepts for the demo shop", async () => {
    const layout = await loadManifest(join(ROOT, "examples/shop/layouts/fused-checkout.json"));
    const file = join(dir, "shop.json");
    const result = await fileApplier({ path: file }).apply(request(layout));
    expect(result).toMatchObject({ ok: true, applier: "file", target: file, attempts: 1 });
    const catalog = await loadCatalog(join(ROOT, "examples/shop/catalog.yaml"));
    const loaded = validateManifest(await loadManifest(file), Object.keys(shop.functions), catalog, file);
    expect(loaded).toEqual(layout);
    const raw = JSON.parse(await readFile(file, "utf8"));
    expect(raw.proposal).toEqual({ id: "p-42", version: 1, idempotencyKey: "p-42-v1" });
  });

  it("writes manifest.json inside a path that is a directory", async () => {
    const result = await fileApplier({ path: dir }).apply(request(wide(3, "v1")));
    expect(result).toMatchObject({ ok: true, target: join(dir, MANIFEST_FILE_NAME) });
    expect((await loadManifest(join(dir, MANIFEST_FILE_NAME))).groups).toHaveLength(3);
  });

  it("changes nothing when the file already holds the same layout, and says so", async () => {
    const applier = fileApplier({ path: join(dir, "m.json") });
    expect(await applier.apply(request(wide(3, "v1")))).not.toHaveProperty("unchanged");
    expect(await applier.apply(request(wide(3, "v1")))).toMatchObject({ ok: true, unchanged: true });
    expect(await applier.apply(request(wide(4, "v2"), 2))).not.toHaveProperty("unchanged");
  });

  it("never shows a concurrent reader a partial manifest", async () => {
    const file = join(dir, "m.json");
    const applier = fileApplier({ path: file });
    await applier.apply(request(wide(4000, "v0")));
    let writing = true;
    const reads: number[] = [];
    const reader = (async () => {
      while (writing) {
        const text = await readFile(file, "utf8");
        const manifest = JSON.parse(text); // a partial file would not parse
        reads.push(manifest.groups.length);
      }
    })();
    for (let version = 1; version <= 30; version++) {
      const result = await applier.apply(
        request(wide(version % 2 === 0 ? 4000 : 3000, `v${version}`), version),
      );
      expect(result.ok).toBe(true);
    }
    writing = false;
    await reader;
    expect(reads.length).toBeGreaterThan(10);
    expect(new Set(reads)).toEqual(new Set([3000, 4000]));
    expect(await readdir(dir)).toEqual(["m.json"]);
  });

  it("leaves the old manifest intact and no temporary file when the write fails part-way", async () => {
    const file = join(dir, "m.json");
    await fileApplier({ path: file }).apply(request(wide(5, "old")));
    const before = await readFile(file, "utf8");
    // A file-size limit of 64 KiB: the 12,000-group manifest (~ 700 KB) fails with EFBIG.
    const child = join(ROOT, "src/apply/test-support/apply-in-child.ts");
    const { stdout } = await run(
      "bash",
      ["-c", 'ulimit -f 64 && exec "$0" --import tsx "$@"', process.execPath, child, file, "12000"],
      { cwd: ROOT },
    );
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ ok: false, code: "NF_APPLY_WRITE_FAILED", retriable: true, attempts: 1 });
    expect(result.message).toContain("EFBIG");
    expect(await readFile(file, "utf8")).toBe(before);
    expect(await readdir(dir)).toEqual(["m.json"]);
  });

  it("reports a target in a missing directory as a failure instead of throwing", async () => {
    const file = join(dir, "missing", "m.json");
    const result = await fileApplier({ path: file }).apply(request(wide(2, "v1")));
    expect(result).toMatchObject({ ok: false, code: "NF_APPLY_WRITE_FAILED", target: file });
    expect(result.ok === false && result.message).toContain("ENOENT");
  });

  it("refuses a malformed manifest or request before touching the file", async () => {
    const file = join(dir, "m.json");
    await writeFile(file, "previous\n");
    const applier = fileApplier({ path: file });
    const badManifest = await applier.apply(request({ version: "x", groups: [] }));
    expect(badManifest).toMatchObject({ ok: false, code: "NF_MANIFEST_INVALID", attempts: 0 });
    const badKey = await applier.apply({ ...request(wide(2, "v1")), idempotencyKey: "has space" });
    expect(badKey).toMatchObject({ ok: false, code: "NF_APPLY_REQUEST_INVALID", attempts: 0 });
    expect(await readFile(file, "utf8")).toBe("previous\n");
  });
});
