/**
 * `npm run fixtures`: writes the synthetic scenario fixtures into test/fixtures/synthetic/, byte for
 * byte the same on every run (seeded generator, gzip header with a fixed mtime and OS byte). Tests use
 * them where exact, known traces matter; the recordings of the demo app are in fixtures/ (written by
 * scripts/record.ts), so that `nanofuse replay fixtures/` reads real traces only.
 * test/fixtures/synthetic/README.md says which file shows what; only this script's lines of it
 * (between its markers) are rewritten.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import {
  encodeTrace,
  generateTraces,
  SYNTH_BASE_NS,
  type SyntheticTrace,
  type SynthFormat,
} from "../bench/synth.ts";
import { writeReadmeBlock } from "./readme-block.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const SYNTHETIC_FIXTURES = join(ROOT, "test", "fixtures", "synthetic");
const SEED = 20240101;
/** Fixtures stay small (< 300 KB each) so they live in git comfortably. */
const MAX_BYTES = 300 * 1024;

export interface Fixture {
  file: string;
  format: SynthFormat;
  /** Traces of the seeded sequence left out first, so files can hold consecutive slices of one recording. */
  skip: number;
  traces: number;
  gzip: boolean;
  scenario: string;
}

export const FIXTURE_LIST: Fixture[] = [
  {
    file: "shop-checkout-baseline.otlp.jsonl.gz",
    format: "otlp-json",
    skip: 0,
    traces: 280,
    gzip: true,
    scenario:
      "the shop's checkout request in its baseline layout (gateway → auth; gateway → checkout → cart → pricing → tax; cart → redis uninstrumented; checkout fans out to inventory, shipping, recommendations; checkout → notify via Kafka), OTLP JSON lines, gzip",
  },
  {
    file: "shop-checkout-baseline.otlp-proto.pb",
    format: "otlp-proto",
    skip: 280,
    traces: 30,
    gzip: false,
    scenario:
      "the same shop, the 30 requests that follow the file above (replaying both gives 310 distinct traces), as OTLP protobuf framed like the Collector's file exporter `format: proto` (a 4-byte big-endian length before each ExportTraceServiceRequest)",
  },
];

/** gzip with a fixed header: mtime = the traces' base time, OS = 255 (unknown), so bytes do not depend on the machine. */
export function reproducibleGzip(data: Buffer): Buffer {
  const out = gzipSync(data, { level: 9 });
  out.writeUInt32LE(Number(SYNTH_BASE_NS / 1_000_000_000n), 4);
  out[9] = 255;
  return out;
}

function fixtureTraces(fixture: Fixture): SyntheticTrace[] {
  return [...generateTraces({ traces: fixture.skip + fixture.traces, seed: SEED })].slice(fixture.skip);
}

export function fixtureBytes(fixture: Fixture): Buffer {
  const raw = Buffer.concat(fixtureTraces(fixture).map((trace) => encodeTrace(trace, fixture.format)));
  return fixture.gzip ? reproducibleGzip(raw) : raw;
}

const BEGIN = "<!-- make-fixtures:begin -->";
const END = "<!-- make-fixtures:end -->";

async function writeReadme(lines: string[]): Promise<void> {
  await writeReadmeBlock(
    join(SYNTHETIC_FIXTURES, "README.md"),
    BEGIN,
    END,
    lines,
    "# Synthetic fixtures\n\nGenerated traces of the demo shop for tests, named by scenario. One line per file: what it shows and how it was made.\n",
  );
}

async function main(): Promise<void> {
  await mkdir(SYNTHETIC_FIXTURES, { recursive: true });
  const lines: string[] = [];
  for (const fixture of FIXTURE_LIST) {
    const bytes = fixtureBytes(fixture);
    if (bytes.length > MAX_BYTES)
      throw new Error(`${fixture.file} is ${bytes.length} bytes, over ${MAX_BYTES}`);
    await writeFile(join(SYNTHETIC_FIXTURES, fixture.file), bytes);
    const spans = fixtureTraces(fixture).reduce((n, t) => n + t.spans.length, 0);
    lines.push(
      `- \`${fixture.file}\`: ${fixture.scenario}. ${fixture.traces} traces, ${spans} spans. Synthetic: made by \`npm run fixtures\` (scripts/make-fixtures.ts with bench/synth.ts, seed ${SEED}); the demo app's real recordings are in fixtures/.`,
    );
    process.stdout.write(
      `${fixture.file}: ${fixture.traces} traces, ${spans} spans, ${bytes.length} bytes\n`,
    );
  }
  await writeReadme(lines);
}

// Runs when executed, not when a test imports it to compare bytes.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
