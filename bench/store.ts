/**
 * The store section of `npm run bench` (issue 9): aggregate write throughput on both backends and
 * the size on disk of what a replay stores.
 *
 * - shop: the replay section's synthetic shop file (protobuf), analysed once at 1 s windows (a
 *   daemon's resolution; the default 60 s gives only a handful of windows for this file) and written
 *   as a replay writes it (`replaceSource`, one transaction) and as a consumer commits it (one
 *   `commit` per window, each with its progress: the daemon's worst case of one window per flush);
 * - wide: seeded synthetic windows of many edges (a large system's window), written both ways;
 * - size: bytes on disk after replaying the shop file, minus a freshly migrated empty store (PGlite:
 *   its directory; PostgreSQL: `pg_database_size`), per million spans read, at 1 s and at 60 s windows.
 * PGlite runs on a directory (the default store); PostgreSQL is the local server (127.0.0.1:5432),
 * in a database created for the run and dropped after. Best of `runs` per figure.
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { WindowAggregate } from "../src/analyse/aggregates.ts";
import { Analyser } from "../src/analyse/analyser.ts";
import { replayFiles } from "../src/pipeline/replay.ts";
import { seededRandom } from "../src/random.ts";
import { openStore } from "../src/store/open.ts";
import type { Store } from "../src/store/store.ts";

const ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";
const WIDE = { windows: 20, edges: 2_000, units: 1_000, callsPerEdge: 20 };

export interface StoreBenchOptions {
  file: string;
  spans: number;
  runs: number;
  seed: number;
}

type Backend = "pglite" | "postgres";

interface Target {
  location: string;
  size(): Promise<number>;
  drop(): Promise<void>;
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  return total;
}

async function target(backend: Backend): Promise<Target> {
  if (backend === "pglite") {
    const dir = await mkdtemp(join(tmpdir(), "nanofuse-bench-store-"));
    return {
      location: dir,
      size: () => dirBytes(dir),
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const name = `nanofuse_bench_${process.pid}_${Date.now()}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = ADMIN_URL.replace(/\/postgres$/, `/${name}`);
  return {
    location: url,
    async size() {
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      const [row] = await sql`select pg_database_size(current_database())::float8 as bytes`;
      await sql.end();
      return row.bytes as number;
    },
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

async function withTarget<T>(backend: Backend, fn: (t: Target) => Promise<T>): Promise<T> {
  const t = await target(backend);
  try {
    return await fn(t);
  } finally {
    await t.drop();
  }
}

async function windowsOf(
  file: string,
  windowUs: number,
): Promise<{ windows: WindowAggregate[]; spans: number }> {
  const analyser = new Analyser({ windowUs });
  const result = await replayFiles([file], (tree) => analyser.add(tree));
  const windows = [...analyser.finish().windows.windows.values()].sort((a, b) => a.startUs - b.startUs);
  return { windows, spans: result.spansRead };
}

/** Seeded windows of many edges between many units, sketches filled with plausible network times. */
function wideWindows(seed: number): WindowAggregate[] {
  const random = seededRandom(seed);
  const unit = (i: number) => `unit-${String(i).padStart(4, "0")}`;
  return Array.from({ length: WIDE.windows }, (_, w) => {
    const window = new WindowAggregate(w * 60_000_000);
    window.traces = WIDE.edges;
    for (let e = 0; e < WIDE.edges; e++) {
      const edge = window.edge(
        unit(Math.floor(random() * WIDE.units)),
        unit(Math.floor(random() * WIDE.units)),
      );
      for (let c = 0; c < WIDE.callsPerEdge; c++) {
        const us = Math.round(200 + random() * 5000);
        edge.calls++;
        edge.network.accept(us);
        edge.networkSumUs += us;
        edge.criticalPathNetwork.accept(us / 2);
        edge.criticalPathNetworkUs += us / 2;
      }
      window.unit(edge.from).spans += WIDE.callsPerEdge;
    }
    return window;
  });
}

interface Throughput {
  windowsPerSecond: number;
  edgesPerSecond: number;
  seconds: number;
}

const edgeCount = (windows: WindowAggregate[]) => windows.reduce((n, w) => n + w.edges.size, 0);

async function timed(windows: WindowAggregate[], run: () => Promise<void>): Promise<Throughput> {
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  return {
    windowsPerSecond: windows.length / seconds,
    edgesPerSecond: edgeCount(windows) / seconds,
    seconds,
  };
}

async function replaceRun(store: Store, windows: WindowAggregate[], windowUs: number): Promise<Throughput> {
  return timed(windows, async () => void (await store.aggregates.replaceSource("bench", windowUs, windows)));
}

async function commitRun(store: Store, windows: WindowAggregate[], windowUs: number, source: string) {
  return timed(windows, async () => {
    let revision = 0;
    for (const [i, w] of windows.entries()) {
      const p = await store.aggregates.commit({
        source,
        partition: 0,
        windowUs,
        windows: [w],
        progress: { offset: String(i + 1) },
        expectedRevision: revision,
        at: new Date(0),
      });
      revision = p.revision;
    }
  });
}

interface Row {
  backend: Backend;
  scenario: string;
  mode: "replaceSource" | "commit per window";
  windows: number;
  edges: number;
  runs: Throughput[];
}

async function throughput(
  backend: Backend,
  scenario: string,
  windows: WindowAggregate[],
  windowUs: number,
  runs: number,
) {
  return withTarget(backend, async (t) => {
    const store = await openStore(t.location);
    try {
      const rows: Row[] = [];
      const base = { backend, scenario, windows: windows.length, edges: edgeCount(windows) };
      const replace: Throughput[] = [];
      for (let r = 0; r < runs; r++) replace.push(await replaceRun(store, windows, windowUs));
      rows.push({ ...base, mode: "replaceSource", runs: replace });
      const commits: Throughput[] = [];
      for (let r = 0; r < runs; r++) commits.push(await commitRun(store, windows, windowUs, `commit-${r}`));
      rows.push({ ...base, mode: "commit per window", runs: commits });
      for (const row of rows)
        process.stderr.write(
          `store ${backend} ${scenario} ${row.mode}: ${row.runs.map((x) => `${fmt(x.windowsPerSecond)} windows/s`).join(", ")}\n`,
        );
      return rows;
    } finally {
      await store.close();
    }
  });
}

async function sizeOnDisk(backend: Backend, windows: WindowAggregate[], windowUs: number, spans: number) {
  return withTarget(backend, async (t) => {
    await (await openStore(t.location)).close();
    const empty = await t.size();
    const store = await openStore(t.location);
    await store.aggregates.replaceSource("bench", windowUs, windows);
    await store.close();
    const bytes = (await t.size()) - empty;
    return { backend, windowUs, windows: windows.length, bytes, perMillionSpans: (bytes * 1e6) / spans };
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const kib = (bytes: number) => (bytes / 1024).toLocaleString("en-US", { maximumFractionDigits: 0 });

export async function storeSection(
  title: string,
  options: StoreBenchOptions,
  machine: () => string[],
): Promise<string> {
  const fine = await windowsOf(options.file, 1_000_000);
  const coarse = await windowsOf(options.file, 60_000_000);
  const wide = wideWindows(options.seed);
  const rows: Row[] = [];
  const sizes = [];
  for (const backend of ["pglite", "postgres"] as const) {
    rows.push(...(await throughput(backend, "shop, 1 s windows", fine.windows, 1_000_000, options.runs)));
    rows.push(...(await throughput(backend, "wide", wide, 60_000_000, options.runs)));
    sizes.push(await sizeOnDisk(backend, fine.windows, 1_000_000, fine.spans));
    sizes.push(await sizeOnDisk(backend, coarse.windows, 60_000_000, coarse.spans));
  }
  const best = (row: Row) => row.runs.reduce((a, b) => (b.windowsPerSecond > a.windowsPerSecond ? b : a));
  const lines = [
    `## ${title}`,
    "",
    ...machine(),
    `- input: the replay section's synthetic shop traces (OTLP protobuf), ${fmt(fine.spans)} spans, analysed at 1 s windows (${fmt(fine.windows.length)} windows, ${fmt(edgeCount(fine.windows))} edge rows) and at 60 s (${fmt(coarse.windows.length)} windows); wide: ${WIDE.windows} seeded windows of ${fmt(WIDE.edges)} edges between ${fmt(WIDE.units)} units`,
    "- replaceSource: the whole source in one transaction, as `replay --store` writes it (runs after the first also delete the previous rows); commit per window: one transaction per window with its progress (compare-and-set), as a consumer flushing one window at a time",
    "- PGlite on a directory (the default store, WASM in this process); PostgreSQL 15 on 127.0.0.1:5432 through postgres.js; best of the runs",
    "",
    "| backend | scenario | write | windows | edge rows | best windows/s | best edges/s | all runs (windows/s) |",
    "|---|---|---|---:|---:|---:|---:|---|",
    ...rows.map((r) => {
      const b = best(r);
      return `| ${r.backend} | ${r.scenario} | ${r.mode} | ${fmt(r.windows)} | ${fmt(r.edges)} | ${fmt(b.windowsPerSecond)} | ${fmt(b.edgesPerSecond)} | ${r.runs.map((x) => fmt(x.windowsPerSecond)).join(" / ")} |`;
    }),
    "",
    "| backend | window | windows stored | KiB on disk (over an empty store) | KiB per million spans |",
    "|---|---:|---:|---:|---:|",
    ...sizes.map(
      (s) =>
        `| ${s.backend} | ${s.windowUs / 1e6} s | ${fmt(s.windows)} | ${kib(s.bytes)} | ${kib(s.perMillionSpans)} |`,
    ),
  ];
  return lines.join("\n");
}
