/**
 * `npm run record`: records the demo shop (examples/shop) for real, as fixtures/'s recorded traces.
 * For each layout it starts the shop under nanofuse's host (one process per group, the OpenTelemetry
 * SDK in each), drives the same bursty load of checkout requests (same request ids, so the two
 * recordings are comparable request by request), stops the host (which flushes every span), merges
 * the groups' OTLP JSON lines into one gzip file, and replays that file with nanofuse's own reader.
 * Nothing is written unless every recording reads back without a single input problem and with
 * exactly one complete trace per request sent. Only this script's block of fixtures/README.md
 * (between its markers) is rewritten.
 *
 *   npx tsx scripts/record.ts [--requests <n>] [--out <dir>]
 *
 * `--out` writes somewhere else than fixtures/ (a trial run); `--requests` shortens the load.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { Analyser } from "../src/analyse/analyser.ts";
import { analysisSummary, edgeReports } from "../src/analyse/report.ts";
import { type LoadOptions, type LoadReport, runLoad } from "../src/host/load.ts";
import { loadManifest } from "../src/host/manifest.ts";
import type { RuntimeOptions } from "../src/host/options.ts";
import { startHost } from "../src/host/supervisor.ts";
import { replayFiles } from "../src/pipeline/replay.ts";
import { loadCatalog } from "../src/plan/catalog.ts";
import { writeReadmeBlock } from "./readme-block.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SHOP = join(ROOT, "examples", "shop");

interface Layout {
  /** Also the spans' nanofuse.variant, to tell the two recordings apart when read together. */
  name: string;
  file: string;
  manifest: string;
  description: string;
}

const LAYOUTS: Layout[] = [
  {
    name: "baseline",
    file: "shop-baseline.otlp.jsonl.gz",
    manifest: "layouts/baseline.json",
    description: "baseline layout (every unit alone: 14 groups)",
  },
  {
    name: "fused-checkout",
    file: "shop-fused-checkout.otlp.jsonl.gz",
    manifest: "layouts/fused-checkout.json",
    description:
      "fused-checkout layout (9 groups: checkout, cart, catalog, pricing, tax and giftwrap in one process `orders`, every other unit alone)",
  },
];

/**
 * The host's simulation: a typical in-region hop, a visible cold start, and a keep-alive shorter
 * than the load's pauses, so every instance goes cold in each pause (and giftwrap, called by ~2% of
 * requests, goes cold between its calls when it is deployed alone).
 */
const RUNTIME: Partial<RuntimeOptions> = {
  networkDelayMs: 2,
  networkJitterMs: 0.5,
  initMs: 50,
  keepAliveMs: 1500,
};

/**
 * Bursts of 5 requests at 20 requests/s on average, a 2 s pause every 40 bursts (200 requests). A
 * faster rate saturates two cores with 14 processes and the recording then shows CPU queueing, not
 * the network. The duration bound is only a safety net: the request count ends the load.
 */
const LOAD: Omit<LoadOptions, "url"> = {
  profile: "bursty",
  requests: 2400,
  durationMs: 30 * 60_000,
  ratePerSecond: 20,
  concurrency: 32,
  timeoutMs: 10_000,
  firstRequestId: 1,
  burstSize: 5,
  idleEvery: 40,
  idleMs: 2000,
};

/** Recorded fixtures live in git: each stays well under this. */
const MAX_BYTES = 10 * 1024 * 1024;

const log = (line: string) => process.stderr.write(`${line}\n`);
const ms = (us: number) => `${(us / 1000).toFixed(1)} ms`;

interface Recording {
  layout: Layout;
  load: LoadReport;
  bytes: Buffer;
  rawBytes: number;
  traces: number;
  spans: number;
  summary: ReturnType<typeof analysisSummary>;
  edges: ReturnType<typeof edgeReports>;
}

/** The earliest span end of one export line (Unix ns as a bigint): a line's place in time. */
function lineTime(line: string): bigint {
  let min: bigint | undefined;
  for (const rs of JSON.parse(line).resourceSpans ?? [])
    for (const ss of rs.scopeSpans ?? [])
      for (const span of ss.spans ?? []) {
        const end = BigInt(span.endTimeUnixNano);
        if (min === undefined || end < min) min = end;
      }
  return min ?? 0n;
}

/**
 * One stream from the groups' files, their export lines merged in time order, as a collector
 * receiving from every group would write them. Concatenating the files whole would not do: a reader
 * going through one group's whole run before the next group's would see each trace's spans minutes
 * apart in event time and cut the traces into fragments.
 */
async function mergeGroupFiles(dir: string): Promise<{ text: string; lines: number }> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".otlp.jsonl")).sort();
  const lines: { time: bigint; file: number; index: number; line: string }[] = [];
  for (const [file, name] of files.entries()) {
    const text = await readFile(join(dir, name), "utf8");
    const own = text.split("\n").filter((line) => line.trim() !== "");
    for (const [index, line] of own.entries()) lines.push({ time: lineTime(line), file, index, line });
  }
  lines.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.file - b.file || a.index - b.index));
  return { text: `${lines.map((l) => l.line).join("\n")}\n`, lines: lines.length };
}

async function record(layout: Layout, load: Omit<LoadOptions, "url">, work: string): Promise<Recording> {
  const dir = join(work, layout.name);
  const events: string[] = [];
  log(`${layout.name}: starting the shop (${layout.manifest})`);
  const host = await startHost({
    app: join(SHOP, "app.ts"),
    catalog: await loadCatalog(join(SHOP, "catalog.yaml")),
    manifest: await loadManifest(join(SHOP, layout.manifest)),
    manifestSource: layout.manifest,
    recordDir: dir,
    variant: layout.name,
    ...RUNTIME,
    onEvent: (message) => {
      events.push(message);
      log(`${layout.name}: ${message}`);
    },
  });
  let report: LoadReport;
  try {
    log(`${layout.name}: ${host.groups.length} groups up; sending ${load.requests} requests`);
    report = await runLoad({ url: host.entryUrl, ...load });
  } finally {
    await host.stop();
  }
  log(
    `${layout.name}: ${report.ok}/${report.sent} ok in ${report.seconds.toFixed(1)} s, client p50 ${report.p50Ms.toFixed(1)} ms`,
  );

  const merged = await mergeGroupFiles(dir);
  const bytes = gzipSync(Buffer.from(merged.text), { level: 9 });
  // Read back exactly the bytes that would be written.
  const candidate = join(work, layout.file);
  await writeFile(candidate, bytes);
  const analyser = new Analyser();
  let traces = 0;
  let incomplete = 0;
  const result = await replayFiles([candidate], (tree) => {
    traces++;
    if (tree.roots.length !== 1 || tree.orphans.length !== 0) incomplete++;
    analyser.add(tree);
  });
  const analysis = analyser.finish();
  const summary = analysisSummary(analysis);

  const refusals: string[] = [];
  if (events.length) refusals.push(`the host reported: ${events.join("; ")}`);
  if (report.failed > 0) refusals.push(`${report.failed} of ${report.sent} requests failed`);
  if (result.problems.total() > 0)
    refusals.push(
      `input problems ${JSON.stringify({ ...result.problems.bySeverity("reject"), ...result.problems.bySeverity("warn") })}`,
    );
  if (traces !== report.sent) refusals.push(`${traces} traces read back for ${report.sent} requests sent`);
  if (incomplete > 0) refusals.push(`${incomplete} traces without exactly one root or with orphans`);
  if (summary.spans !== result.spansRead)
    refusals.push(`${result.spansRead} spans read, ${summary.spans} kept (duplicates?)`);
  if (bytes.length > MAX_BYTES) refusals.push(`${bytes.length} bytes, over ${MAX_BYTES}: lower --requests`);
  if (refusals.length) {
    throw new Error(`${layout.file} not written: ${refusals.join("; ")} (the recording is kept in ${work})`);
  }
  return {
    layout,
    load: report,
    bytes,
    rawBytes: Buffer.byteLength(merged.text),
    traces,
    spans: summary.spans,
    summary,
    edges: edgeReports(analysis),
  };
}

const BEGIN = "<!-- record:begin -->";
const END = "<!-- record:end -->";

function readmeLine(r: Recording, load: Omit<LoadOptions, "url">, date: string): string {
  const last = load.firstRequestId + r.load.sent - 1;
  return [
    `- \`${r.layout.file}\`: the demo shop (examples/shop) recorded by the OpenTelemetry SDK under nanofuse's host, ${r.layout.description}, spans tagged \`nanofuse.variant=${r.layout.name}\`.`,
    `Load: ${load.profile}, ${r.load.sent} checkout requests (ids ${load.firstRequestId}–${last}, the same in every recording), ${load.ratePerSecond}/s on average in bursts of ${load.burstSize}, a ${load.idleMs / 1000} s pause every ${load.idleEvery * load.burstSize} requests.`,
    `Host: network ${RUNTIME.networkDelayMs} ms ± ${RUNTIME.networkJitterMs} ms per cross-group call, cold start ${RUNTIME.initMs} ms, keep-alive ${(RUNTIME.keepAliveMs ?? 0) / 1000} s (instances go cold in the pauses).`,
    `OTLP JSON lines (the groups' export batches merged in time order), gzip -9. ${r.traces} traces, ${r.spans} spans, end-to-end p50 ${ms(r.summary.latencyUs.p50)}, p95 ${ms(r.summary.latencyUs.p95)}.`,
    `Recorded ${date} on a 2-core machine by \`npm run record\` (scripts/record.ts).`,
  ].join(" ");
}

async function writeReadme(out: string, lines: string[]): Promise<void> {
  await writeReadmeBlock(
    join(out, "README.md"),
    BEGIN,
    END,
    lines,
    "# Fixtures\n\nTrace files named by scenario. One line per file: what it shows and how it was made.\n",
  );
}

function printSummary(r: Recording): void {
  const s = r.summary;
  const lines = [
    `${r.layout.file}: ${r.traces} traces, ${r.spans} spans, ${r.bytes.length} bytes (${r.rawBytes} uncompressed)`,
    `  load: ${r.load.ok}/${r.load.sent} ok in ${r.load.seconds.toFixed(1)} s; client p50 ${r.load.p50Ms.toFixed(1)} ms, p95 ${r.load.p95Ms.toFixed(1)} ms`,
    `  end-to-end p50 ${ms(s.latencyUs.p50)}, p95 ${ms(s.latencyUs.p95)}, p99 ${ms(s.latencyUs.p99)}; network on the critical path ${(100 * s.networkShare).toFixed(1)}%; cold starts ${s.coldStarts}; stragglers ${s.stragglers}`,
    "  top critical-path hops:",
    ...r.edges
      .slice(0, 5)
      .map(
        (e) =>
          `    ${e.from} → ${e.to}: ${e.calls} calls, network p50 ${ms(e.networkUs.p50)}, on the critical path ${ms(e.criticalPathNetworkUs)}`,
      ),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { requests: { type: "string" }, out: { type: "string" } },
  });
  const load = { ...LOAD };
  if (values.requests !== undefined) {
    load.requests = Number(values.requests);
    if (!Number.isSafeInteger(load.requests) || load.requests <= 0)
      throw new Error(`--requests must be a positive integer, got ${values.requests}`);
  }
  const out = values.out ?? join(ROOT, "fixtures");
  const work = await mkdtemp(join(tmpdir(), "nanofuse-record-"));
  // Every layout is recorded and checked before anything is written: the files are a comparable pair.
  const recordings: Recording[] = [];
  for (const layout of LAYOUTS) recordings.push(await record(layout, load, work));

  await mkdir(out, { recursive: true });
  const date = new Date().toISOString().slice(0, 10);
  for (const r of recordings) {
    await writeFile(join(out, r.layout.file), r.bytes);
    printSummary(r);
  }
  await writeReadme(
    out,
    recordings.map((r) => readmeLine(r, load, date)),
  );
  await rm(work, { recursive: true, force: true });
}

await main();
