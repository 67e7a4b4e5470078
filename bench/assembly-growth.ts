/**
 * Whether assembly's per-trace cost grows with the traces replayed (issue 17, "replay CPU grows from
 * 6 s for 200k traces to 57 s for 1M"): pushes N small traces (5 spans, 1 ms apart) through the replay
 * assembler and builds their call trees, printing the CPU time of every 100,000 traces. Flat figures
 * mean no cost grows. `npx tsx bench/assembly-growth.ts 1000000`
 */
import { buildCallTree } from "../src/assemble/call-tree.ts";
import { ReplayAssembler } from "../src/assemble/replay-assembler.ts";
import type { Span } from "../src/model/span.ts";

const traces = Number(process.argv[2] ?? 600_000);
const assembler = new ReplayAssembler();
const EPOCH_US = 1_704_067_200_000_000;
const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const resource = { "service.name": "svc" };
let segment = process.cpuUsage();
for (let i = 0; i < traces; i++) {
  const traceId = hex(i + 1, 32);
  const t = EPOCH_US + i * 1000;
  for (let k = 0; k < 5; k++) {
    const span: Span = {
      traceId,
      spanId: hex(i * 5 + k + 1, 16),
      parentSpanId: k ? hex(i * 5 + 1, 16) : undefined,
      name: "op",
      kind: k ? "server" : "client",
      startUs: t + k,
      endUs: t + 100 + k,
      unit: `u${k}`,
      status: "unset",
      attributes: {},
      resource,
    };
    for (const trace of assembler.push(span)) buildCallTree(trace);
  }
  if ((i + 1) % 100_000 === 0) {
    const used = process.cpuUsage(segment);
    console.log(
      `${i + 1} traces: ${Math.round((used.user + used.system) / 1000)} ms CPU for the last 100,000`,
    );
    segment = process.cpuUsage();
  }
}
for (const trace of assembler.flush()) buildCallTree(trace);
