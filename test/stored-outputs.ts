/**
 * The outputs of `analyse --format json` and `plan --format json` on the fixtures and the real
 * corpus, as the CLI prints them. Stored once (`npx tsx scripts/store-outputs.ts`) from the code
 * before a change that must not alter results, and compared byte for byte after it
 * (test/stored-outputs.test.ts).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = fileURLToPath(new URL("../bin/nanofuse.js", import.meta.url));
export const storedDir = fileURLToPath(new URL("./fixtures/stored-outputs/", import.meta.url));

export interface StoredCase {
  /** File name of the stored output. */
  name: string;
  /** CLI arguments, paths relative to the repository root. */
  args: string[];
}

const corpus = [
  "jaeger-hotrod-otlp/getTrace-response.json",
  "kiali-bookinfo-tempo/responseTrace.json",
  "nezha-onlineboutique/17_00_trace.otlp.jsonl.gz",
  "nezha-trainticket/08_50_trace.otlp.jsonl.gz",
  "zipkin-testdata/smartthings-mobile-web-install.json",
  "zipkin-testdata/yelp.json",
];
const synthetic = "test/fixtures/synthetic/";

export const STORED_CASES: StoredCase[] = [
  { name: "analyse-fixtures.out", args: ["analyse", "fixtures/", "--format", "json"] },
  { name: "plan-fixtures.out", args: ["plan", "fixtures/", "--format", "json"] },
  {
    name: "analyse-synthetic-per-trace.out",
    args: ["analyse", `${synthetic}shop-checkout-baseline.otlp-proto.pb`, "--per-trace", "--format", "json"],
  },
  {
    name: "analyse-synthetic-windows.out",
    args: ["analyse", synthetic, "--window-s", "10", "--keep-alive-s", "1", "--format", "json"],
  },
  { name: "plan-synthetic.out", args: ["plan", synthetic, "--format", "json"] },
  ...corpus.flatMap((file) => {
    const stem = file.replace(/[/.]/g, "_");
    const path = `../shared/corpus/${file}`;
    return [
      { name: `analyse-${stem}.out`, args: ["analyse", path, "--format", "json"] },
      { name: `plan-${stem}.out`, args: ["plan", path, "--format", "json"] },
    ];
  }),
];

/** What the CLI prints on stdout for the case (its exit code is part of the output). */
export async function runCase(c: StoredCase): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)("node", [bin, ...c.args], {
      cwd: root,
      maxBuffer: 256 << 20,
    });
    return `exit 0\n${stdout}`;
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return `exit ${e.code}\n${e.stdout}`;
  }
}
