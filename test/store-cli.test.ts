/**
 * The store through the `nanofuse` command, as a user runs it: replays and plans written to a PGlite
 * directory and to PostgreSQL, read back by `proposals`, pruned by `store prune`, and a second
 * process refused while another holds the directory.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_WINDOW_US } from "../src/analyse/aggregates.ts";
import { openStore } from "../src/store/open.ts";
import type { Store } from "../src/store/store.ts";
import { analyseFiles, SHOP_CHECKOUT, windowView } from "./support/aggregates.ts";
import { runCli } from "./support/cli.ts";
import { useBackend } from "./support/store-backends.ts";

const postgresBackend = useBackend("postgres");

const nanofuse = (...args: string[]) => runCli(args);

async function storedViews(location: string) {
  const store = await openStore(location);
  try {
    return (await store.aggregates.windows()).map((w) => ({ source: w.source, ...windowView(w.aggregate) }));
  } finally {
    await store.close();
  }
}

async function inStore<T>(location: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(location);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe("nanofuse with --store", () => {
  it("replays into a PGlite directory twice and leaves the same aggregates as one replay", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "nanofuse-store-")), "store");
    const first = await nanofuse("replay", SHOP_CHECKOUT, "--store", dir, "--format", "json");
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/stored 1 windows, 10 edges, 10 unit rows as source files:[0-9a-f]{16} in /);
    const once = await storedViews(dir);
    const analysed = await analyseFiles([SHOP_CHECKOUT], DEFAULT_WINDOW_US);
    expect(once.map(({ source: _, ...w }) => w)).toEqual(
      [...analysed.windows.windows.values()].map(windowView),
    );
    expect((await nanofuse("replay", SHOP_CHECKOUT, "--store", dir)).code).toBe(0);
    expect(await storedViews(dir)).toEqual(once);
  }, 120_000);

  it("refuses a second process on a PGlite directory that another holds, naming the holder", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "nanofuse-store-")), "store");
    await inStore(dir, async () => {
      const second = await nanofuse("proposals", "list", "--store", dir);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(
        `NF_STORE_LOCKED: store directory is in use by another process: ${dir} is used by process ${process.pid}`,
      );
      expect(second.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    });
  }, 60_000);

  it("writes the plan as a versioned proposal to PostgreSQL, once per content, and reads it back", async () => {
    const url = await postgresBackend.freshUrl();
    const args = ["plan", SHOP_CHECKOUT, "--store", url, "--scope", "shop", "--format", "json"];
    const planned = await nanofuse(...args);
    expect(planned.code).toBe(0);
    expect(planned.stderr).toMatch(
      /stored as proposal #1, version 1 of shop, pending_approval, in postgres:\/\//,
    );
    const proposal = JSON.parse(planned.stdout);
    expect(proposal.merges.length).toBeGreaterThan(0);
    expect((await nanofuse(...args)).stderr).toMatch(/unchanged, already proposal #1, version 1 of shop/);

    const listed = JSON.parse(
      (await nanofuse("proposals", "list", "--store", url, "--format", "json")).stdout,
    );
    expect(listed).toMatchObject([
      { id: 1, scope: "shop", version: 1, state: "pending_approval", contentHash: proposal.contentHash },
    ]);
    const shown = JSON.parse(
      (await nanofuse("proposals", "show", "1", "--store", url, "--format", "json")).stdout,
    );
    expect(shown.proposal.plan).toEqual(proposal);
    expect(shown.audit).toMatchObject([{ action: "create", to: "pending_approval", actor: "nanofuse plan" }]);
    const exemplarIds = [
      ...new Set(
        proposal.merges.flatMap((m: { edges: { exemplarTraceIds: string[] }[] }) =>
          m.edges.flatMap((e) => e.exemplarTraceIds),
        ),
      ),
    ].sort();
    expect(shown.exemplars.map((e: { traceId: string }) => e.traceId)).toEqual(exemplarIds);
    expect(shown.exemplars.every((e: { paths: unknown[] }) => e.paths.length > 0)).toBe(true);
    const text = await nanofuse("proposals", "show", "1", "--store", url);
    expect(text.stdout).toMatch(/^proposal #1: version 1 of shop, pending_approval \(revision 1\)/);
    expect((await nanofuse("proposals", "show", "9", "--store", url)).stderr).toContain(
      "NF_PROPOSAL_NOT_FOUND",
    );
  }, 120_000);

  it("analyses into PostgreSQL under a named source at its own window size, then prunes into hour windows", async () => {
    const url = await postgresBackend.freshUrl();
    const analysed = await nanofuse(
      "analyse",
      SHOP_CHECKOUT,
      "--store",
      url,
      "--source",
      "recorded shop",
      "--window-s",
      "1",
    );
    expect(analysed.code).toBe(0);
    const stored = await storedViews(url);
    const expected = await analyseFiles([SHOP_CHECKOUT], 1_000_000);
    expect(stored.map(({ source: _, ...w }) => w)).toEqual(
      [...expected.windows.windows.values()].map(windowView),
    );
    expect(new Set(stored.map((w) => w.source))).toEqual(new Set(["recorded shop"]));

    const pruned = await nanofuse(
      "store",
      "prune",
      "--store",
      url,
      "--older-than",
      "1d",
      "--now",
      "2100-01-01T00:00:00Z",
    );
    expect(pruned).toMatchObject({
      code: 0,
      stdout: "pruned 1 windows in 1 batches, 1 coarse windows written\n",
    });
    const after = await inStore(url, (s) => s.aggregates.windows());
    expect(after.map((w) => w.windowUs)).toEqual([3600e6]);
    expect(windowView(after[0].aggregate)).toMatchObject({
      traces: stored[0].traces,
      edges: stored[0].edges,
    });
  }, 120_000);
});
