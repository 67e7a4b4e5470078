/**
 * `npm run fixtures`: writes the synthetic scenario fixtures into fixtures/, byte for byte the same on
 * every run (seeded generator, gzip header with a fixed mtime and OS byte). They stand in for
 * recordings of the demo app until it exists; fixtures/README.md says which file shows what.
 * Only this script's lines of fixtures/README.md (between its markers) are rewritten.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
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

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = join(ROOT, "fixtures");
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
  const file = join(FIXTURES, "README.md");
  const block = [BEGIN, ...lines, END].join("\n");
  const current = await readFile(file, "utf8").catch(
    () =>
      "# Fixtures\n\nTrace files named by scenario. One line per file: what it shows and how it was made.\n",
  );
  const from = current.indexOf(BEGIN);
  const to = current.indexOf(END);
  const next =
    from !== -1 && to > from
      ? current.slice(0, from) + block + current.slice(to + END.length)
      : `${current.trimEnd()}\n\n${block}\n`;
  await writeFile(file, next);
}

async function main(): Promise<void> {
  await mkdir(FIXTURES, { recursive: true });
  const lines: string[] = [];
  for (const fixture of FIXTURE_LIST) {
    const bytes = fixtureBytes(fixture);
    if (bytes.length > MAX_BYTES)
      throw new Error(`${fixture.file} is ${bytes.length} bytes, over ${MAX_BYTES}`);
    await writeFile(join(FIXTURES, fixture.file), bytes);
    const spans = fixtureTraces(fixture).reduce((n, t) => n + t.spans.length, 0);
    lines.push(
      `- \`${fixture.file}\`: ${fixture.scenario}. ${fixture.traces} traces, ${spans} spans. Synthetic: made by \`npm run fixtures\` (scripts/make-fixtures.ts with bench/synth.ts, seed ${SEED}) until the demo app records real ones.`,
    );
    process.stdout.write(
      `${fixture.file}: ${fixture.traces} traces, ${spans} spans, ${bytes.length} bytes\n`,
    );
  }
  await writeReadme(lines);
}

// Runs when executed, not when a test imports it to compare bytes.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
