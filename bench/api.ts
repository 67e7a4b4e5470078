/**
 * The API and receiver section of `npm run bench` (issue 11), against `nanofuse serve` itself, run
 * as a child process on a fresh PGlite directory (the embedded default), so load generator and server
 * do not share an event loop:
 * - API latency: autocannon against `GET /api/proposals` with a viewer token, at a fixed overall rate
 *   (1,000 requests/s, 10 connections, 10 s after a 3 s warm-up), on the store the first start
 *   seeds (the bundled recording and its proposal). Aim: p99 under 20 ms.
 * - Receiver throughput: the replay section's synthetic shop file (framed OTLP protobuf, one trace per
 *   frame) posted as ExportTraceServiceRequests of 24 traces (~530 spans, an SDK batch) over 4
 *   keep-alive connections; spans/s until the last request is accepted, and until every trace is
 *   analysed and its window written to the store (polled through `GET /api/windows`). A 429 or 503 is
 *   retried after its Retry-After, as exporters do, and counted.
 * - Beside it, the replay of the same file with the same analysis (`nanofuse analyse`'s work, the
 *   bench's `analyse` child), measured by bench/run.ts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const BIN = fileURLToPath(new URL("../bin/nanofuse.js", import.meta.url));
const TRACES_PER_REQUEST = 24;
const SENDERS = 4;
const RATE = 1000;
const CONNECTIONS = 10;
const AIM_P99_MS = 20;
const WARMUP_S = 3;

export interface ApiBenchOptions {
  /** The framed OTLP protobuf file of the replay section. */
  file: string;
  spans: number;
  runs: number;
  /** Seconds of the latency run (default 10). */
  durationS?: number;
}

interface Server {
  api: string;
  otlp: string;
  token: string;
  stop(): Promise<void>;
}

async function startServe(extra: string[]): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), "nanofuse-bench-serve-"));
  const args = [
    BIN,
    "serve",
    "--store",
    join(dir, "store"),
    "--port",
    "0",
    "--otlp-port",
    "0",
    "--log-level",
    "error",
  ];
  const child: ChildProcess = spawn(process.execPath, [...args, ...extra], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      if (/^stop: /m.test(out)) resolve();
    });
    exited.then(() => reject(new Error(`nanofuse serve exited before it was ready:\n${out}`)));
  });
  const find = (re: RegExp) => (re.exec(out) as RegExpExecArray)[1];
  return {
    api: find(/API {8}(http:\/\/\S+)\/api\//),
    otlp: find(/OTLP\/HTTP {2}(http:\/\/\S+)/),
    token: find(/NANOFUSE_TOKEN=(\S+)/),
    async stop() {
      child.kill("SIGINT");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface Latency {
  rate: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  requests: number;
  non2xx: number;
  errors: number;
}

async function measureLatency(server: Server, durationS: number): Promise<Latency> {
  const load = (duration: number) =>
    autocannon({
      url: `${server.api}/api/proposals`,
      headers: { authorization: `Bearer ${server.token}` },
      connections: CONNECTIONS,
      overallRate: RATE,
      duration,
    });
  // Warm-up: compiled serialisers and JIT, and the seed's garbage collected, before measuring.
  await load(WARMUP_S);
  const result = await load(durationS);
  const { latency } = result;
  return {
    rate: result.requests.average,
    p50: latency.p50,
    p90: latency.p90,
    p99: latency.p99,
    max: latency.max,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/**
 * Request bodies of TRACES_PER_REQUEST frames each (a frame is one trace; concatenated messages are
 * one merged message), and how many traces they hold.
 */
async function requestBodies(file: string): Promise<{ bodies: Buffer[]; traces: number }> {
  const data = await readFile(file);
  const bodies: Buffer[] = [];
  let batch: Buffer[] = [];
  let traces = 0;
  for (let at = 0; at + 4 <= data.length; ) {
    const length = data.readUInt32BE(at);
    batch.push(data.subarray(at + 4, at + 4 + length));
    at += 4 + length;
    traces++;
    if (batch.length === TRACES_PER_REQUEST) {
      bodies.push(Buffer.concat(batch));
      batch = [];
    }
  }
  if (batch.length) bodies.push(Buffer.concat(batch));
  return { bodies, traces };
}

function post(agent: http.Agent, url: URL, body: Buffer): Promise<{ status: number; retryAfterS: number }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/x-protobuf", "content-length": body.length },
      },
      (response) => {
        response.resume();
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            retryAfterS: Number(response.headers["retry-after"] ?? 1),
          }),
        );
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

async function storedTraces(server: Server): Promise<number> {
  const response = await fetch(`${server.api}/api/windows?source=otlp-http`, {
    headers: { authorization: `Bearer ${server.token}` },
  });
  const { windows } = (await response.json()) as { windows: { traces: number }[] };
  return windows.reduce((n, w) => n + w.traces, 0);
}

interface ReceiverRun {
  acceptedSeconds: number;
  storedSeconds: number;
  requests: number;
  retries: number;
}

async function receiverRun(bodies: Buffer[], traces: number): Promise<ReceiverRun> {
  const server = await startServe([
    "--seed",
    "none",
    "--idle-ms",
    "1000",
    "--flush-s",
    "1",
    "--plan-s",
    "1000000",
    "--otlp-rate-limit",
    "1000000",
  ]);
  try {
    const url = new URL(server.otlp);
    const agent = new http.Agent({ keepAlive: true, maxSockets: SENDERS });
    let next = 0;
    let retries = 0;
    const started = performance.now();
    const sender = async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        for (;;) {
          const { status, retryAfterS } = await post(agent, url, body);
          if (status === 200) break;
          if (status !== 429 && status !== 503) throw new Error(`receiver answered ${status}`);
          retries++;
          await new Promise((r) => setTimeout(r, Math.min(retryAfterS, 1) * 1000));
        }
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, sender));
    const acceptedSeconds = (performance.now() - started) / 1000;
    while ((await storedTraces(server)) < traces) await new Promise((r) => setTimeout(r, 100));
    const storedSeconds = (performance.now() - started) / 1000;
    agent.destroy();
    return { acceptedSeconds, storedSeconds, requests: bodies.length, retries };
  } finally {
    await server.stop();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 1 });

export async function apiSection(
  title: string,
  options: ApiBenchOptions,
  replay: () => Promise<{ spans: number; seconds: number }>,
  machine: () => string[],
): Promise<string> {
  const durationS = options.durationS ?? 10;
  const latencies: { reuse: string; latency: Latency }[] = [];
  for (const [reuse, cacheMs] of [
    ["1 s (default)", "1000"],
    ["off: one store query per request", "0"],
  ]) {
    const seeded = await startServe(["--api-read-cache-ms", cacheMs]);
    try {
      latencies.push({ reuse, latency: await measureLatency(seeded, durationS) });
    } finally {
      await seeded.stop();
    }
    const { latency } = latencies[latencies.length - 1];
    process.stderr.write(
      `api GET /api/proposals, reads reused ${reuse}: p50 ${latency.p50} ms, p99 ${latency.p99} ms at ${fmt(latency.rate)} req/s\n`,
    );
  }
  const latency = latencies[0].latency;

  const { bodies, traces } = await requestBodies(options.file);
  const runs: ReceiverRun[] = [];
  const replays: { spans: number; seconds: number }[] = [];
  for (let r = 0; r < options.runs; r++) {
    // Interleaved, so that each ratio compares runs close in time.
    runs.push(await receiverRun(bodies, traces));
    replays.push(await replay());
    process.stderr.write(
      `receiver run ${r + 1}: ${fmt(options.spans / runs[r].acceptedSeconds)} spans/s accepted, ${fmt(options.spans / runs[r].storedSeconds)} stored; replay ${fmt(replays[r].spans / replays[r].seconds)} spans/s\n`,
    );
  }
  const best = runs.reduce((a, b) => (b.storedSeconds < a.storedSeconds ? b : a));
  const bestReplay = replays.reduce((a, b) => (b.spans / b.seconds > a.spans / a.seconds ? b : a));
  const verdict = latency.p99 < AIM_P99_MS ? "met" : "missed";
  return [
    `## ${title}`,
    "",
    ...machine(),
    "- `nanofuse serve` in a child process on a fresh PGlite directory; the load comes from this process",
    "",
    `### API latency: GET /api/proposals (aim: p99 under ${AIM_P99_MS} ms at ${fmt(RATE)} requests/s: ${verdict})`,
    "",
    `autocannon, ${CONNECTIONS} connections, overall rate ${fmt(RATE)}/s, ${durationS} s after ${WARMUP_S} s of warm-up, viewer token, the first start's store (1 proposal); with proposal reads reused for 1 s (src/api/read-cache.ts, the default) and without (\`--api-read-cache-ms 0\`)`,
    "",
    "| reads reused | achieved req/s | p50 ms | p90 ms | p99 ms | max ms | requests | non-2xx | errors |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...latencies.map(
      ({ reuse, latency: l }) =>
        `| ${reuse} | ${fmt(l.rate)} | ${ms(l.p50)} | ${ms(l.p90)} | ${ms(l.p99)} | ${ms(l.max)} | ${fmt(l.requests)} | ${fmt(l.non2xx)} | ${fmt(l.errors)} |`,
    ),
    "",
    "### Receiver throughput beside replay of the same spans",
    "",
    `${fmt(options.spans)} spans in ${fmt(traces)} traces (the replay section's protobuf file), ${fmt(bodies.length)} requests of ${TRACES_PER_REQUEST} traces over ${SENDERS} keep-alive connections; accepted: until the last request was answered 200; stored: until every trace was analysed and written (idle 1 s, flush every 1 s). Replay: the same file through replayFiles + Analyser (what \`nanofuse analyse\` does, no store). Best of ${options.runs}, interleaved.`,
    "",
    "| path | best spans/s | all runs (spans/s) | retried 429/503 |",
    "|---|---:|---|---:|",
    `| receiver, accepted | ${fmt(options.spans / Math.min(...runs.map((r) => r.acceptedSeconds)))} | ${runs.map((r) => fmt(options.spans / r.acceptedSeconds)).join(" / ")} | ${runs.map((r) => r.retries).join(" / ")} |`,
    `| receiver, analysed and stored | ${fmt(options.spans / best.storedSeconds)} | ${runs.map((r) => fmt(options.spans / r.storedSeconds)).join(" / ")} | |`,
    `| replay of the file (analyse) | ${fmt(bestReplay.spans / bestReplay.seconds)} | ${replays.map((r) => fmt(r.spans / r.seconds)).join(" / ")} | |`,
    "",
    `Receiver (stored) / replay: ${(bestReplay.seconds / bestReplay.spans / (best.storedSeconds / options.spans)).toFixed(2)}.`,
  ].join("\n");
}
