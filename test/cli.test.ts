/**
 * The `nanofuse` command as a user runs it: through bin/nanofuse.js, on the recorded fixtures of the
 * README's quick start, on the small synthetic ones and on bad input, checking the documented JSON
 * contracts and exit codes.
 */
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { generatedReadme, README } from "../scripts/readme.ts";
import { describeFailure } from "../src/cli/failure.ts";
import { ms } from "../src/cli/format.ts";
import { buildProgram, COMMANDS } from "../src/cli/main.ts";
import { BAR_WIDTH } from "../src/cli/waterfall.ts";
import { runCli } from "./support/cli.ts";

const bin = fileURLToPath(new URL("../bin/nanofuse.js", import.meta.url));
/** The README's quick start: the demo shop recorded in two layouts (scripts/record.ts). */
const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));
/** Small and exact (scripts/make-fixtures.ts): quick to read, for the contracts. */
const synthetic = fileURLToPath(new URL("./fixtures/synthetic/", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "nanofuse-cli-"));

const root = fileURLToPath(new URL("..", import.meta.url));
/** A stack trace's frame line, which no user should ever see. */
const STACK_FRAME = /^\s+at .+[:(]/m;

const run = (...args: string[]) => runCli(args);

describe("nanofuse replay", () => {
  it("reads the recorded fixtures of the quick start without a single problem, even with --strict", async () => {
    const { code, stdout } = await run("replay", fixtures, "--strict", "--format", "json");
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc.summary).toMatchObject({ units: 14, rejected: {}, warnings: {} });
    expect(doc.files.map((f: { file: string }) => f.file.split(/[\\/]/).pop())).toEqual([
      "shop-baseline.otlp.jsonl.gz",
      "shop-fused-checkout.otlp.jsonl.gz",
    ]);
    for (const key of ["traces", "spans", "hops"]) expect(doc.summary[key]).toBeGreaterThan(0);
  });

  it("prints the summary contract as JSON for the synthetic fixtures and exits 0", async () => {
    const { code, stdout } = await run("replay", synthetic, "--format", "json");
    expect(code).toBe(0);
    const { summary } = JSON.parse(stdout);
    expect(summary).toMatchObject({ rejected: {}, warnings: {} });
    for (const key of ["traces", "spans", "units", "hops"]) expect(summary[key]).toBeGreaterThan(0);
  });

  it("prints a readable report with the top units and hops", async () => {
    const { code, stdout } = await run("replay", synthetic);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^traces \d+/m);
    expect(stdout).toContain("top hops by network time");
  });

  it("counts rejected input by code, exits 0 without --strict and 1 with it", async () => {
    const file = join(dir, "half-bad.jsonl");
    writeFileSync(file, '{"hello": "world"}\n{"resourceSpans": [\n');
    const lenient = await run(
      "replay",
      file,
      join(synthetic, "shop-checkout-baseline.otlp.jsonl.gz"),
      "--format",
      "json",
    );
    expect(lenient.code).toBe(0);
    expect(JSON.parse(lenient.stdout).summary.rejected).toEqual({
      NF_JSON_MALFORMED: 1,
      NF_FORMAT_UNKNOWN: 1,
    });
    const strict = await run("replay", file, "--strict");
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain("stopped (--strict)");
  });

  it("exits non-zero when nothing could be read, and 2 on a usage error", async () => {
    const missing = await run("replay", join(dir, "nowhere.json"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("NF_NO_INPUT");
    expect((await run("replay")).code).toBe(2);
    expect((await run("replay", synthetic, "--format", "yaml")).code).toBe(2);
  });
});

describe("nanofuse analyse", () => {
  it("prints the documented per-trace JSON contract, with critical paths relative to each root", async () => {
    const { code, stdout } = await run("analyse", synthetic, "--per-trace", "--format", "json");
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc.summary.traces).toBe(doc.traces.length);
    const trace = doc.traces[0];
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(trace.rootSpanId).toMatch(/^[0-9a-f]{16}$/);
    expect(trace.criticalPath[0]).toMatchObject({
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      startUs: 0,
    });
    expect(trace.criticalPath.at(-1).endUs).toBe(trace.durationUs);
    const edge = doc.edges[0];
    expect(edge).toMatchObject({
      from: expect.any(String),
      to: expect.any(String),
      calls: expect.any(Number),
      networkUs: { p50: expect.any(Number), p95: expect.any(Number), sum: expect.any(Number) },
      criticalPathNetworkUs: expect.any(Number),
      stragglerCount: expect.any(Number),
    });
    expect(doc.units[0]).toMatchObject({
      unit: expect.any(String),
      spans: expect.any(Number),
      criticalPathUs: expect.any(Number),
      coldStarts: expect.any(Number),
    });
  });

  it("is also spelled analyze, and prints a readable report", async () => {
    const { code, stdout } = await run("analyze", synthetic);
    expect(code).toBe(0);
    expect(stdout).toContain("network on the critical path");
    expect(stdout).toContain("barrier stragglers");
  });
});

describe("nanofuse --help and start-up", () => {
  it("lists the same commands as the program with every command loaded, without loading any", async () => {
    const { code, stdout } = await run("--help");
    expect(code).toBe(0);
    const loaded = await buildProgram({ exitCode: 0 }, "all");
    expect(stdout).toBe(loaded.helpInformation());
    for (const name of ["replay", "analyse|analyze", "host", "plan"]) expect(stdout).toContain(name);
  });

  it("lists each command exactly as the command it loads names, spells and describes itself", async () => {
    for (const entry of COMMANDS) {
      const command = (await entry.load())({ exitCode: 0 });
      expect({
        name: command.name(),
        aliases: command.aliases(),
        usage: command.usage(),
        description: command.description(),
      }).toEqual({
        name: entry.name,
        aliases: entry.aliases,
        usage: entry.usage,
        description: entry.description,
      });
    }
  });

  it("compiles the bin so that --help's own modules import no decoder, assembly, analysis, planner or host", () => {
    const meta = JSON.parse(readFileSync(join(root, "dist", "meta.json"), "utf8")) as {
      outputs: Record<string, { inputs: Record<string, unknown>; imports: { path: string; kind: string }[] }>;
    };
    const loaded = new Set<string>();
    const visit = (output: string) => {
      if (loaded.has(output)) return;
      loaded.add(output);
      for (const i of meta.outputs[output].imports)
        if (i.kind === "import-statement" && i.path in meta.outputs) visit(i.path);
    };
    visit("dist/nanofuse.js");
    const sources = [...loaded].flatMap((o) => Object.keys(meta.outputs[o].inputs));
    expect(sources).toContain("src/cli/main.ts");
    expect(sources.filter((f) => /^src\/(ingest|assemble|analyse|plan|host|pipeline)\//.test(f))).toEqual([]);
    // The commands are there, each behind a dynamic import of its own.
    const lazy = meta.outputs["dist/nanofuse.js"].imports.filter((i) => i.kind === "dynamic-import");
    expect(lazy.length).toBeGreaterThanOrEqual(COMMANDS.length);
  });

  it("runs the compiled dist/ while its sources are unchanged, and the sources through tsx once one changed", async () => {
    const copy = mkdtempSync(join(tmpdir(), "nanofuse-bin-"));
    for (const d of ["bin", "dist", "src/cli"]) mkdirSync(join(copy, d), { recursive: true });
    writeFileSync(join(copy, "bin", "nanofuse.js"), readFileSync(bin));
    writeFileSync(join(copy, "package.json"), readFileSync(join(root, "package.json")));
    symlinkSync(join(root, "node_modules"), join(copy, "node_modules"));
    writeFileSync(join(copy, "dist", "nanofuse.js"), 'console.log("compiled");\n');
    writeFileSync(
      join(copy, "src", "cli", "bin.ts"),
      'const from: string = "sources";\nconsole.log(from);\n',
    );
    const { statSync } = await import("node:fs");
    const record = (file: string) => {
      const s = statSync(join(copy, file));
      return { [file]: { size: s.size, mtimeMs: s.mtimeMs } };
    };
    const write = (inputs: object) =>
      writeFileSync(join(copy, "dist", "build.json"), JSON.stringify({ inputs }));
    const runCopy = async () =>
      (await promisify(execFile)("node", [join(copy, "bin", "nanofuse.js")])).stdout.trim();

    write(record("src/cli/bin.ts"));
    expect(await runCopy()).toBe("compiled");
    writeFileSync(
      join(copy, "src", "cli", "bin.ts"),
      'const from: string = "edited sources";\nconsole.log(from);\n',
    );
    expect(await runCopy()).toBe("edited sources");
    write({ ...record("src/cli/bin.ts"), "src/cli/not-shipped.ts": { size: 1, mtimeMs: 1 } });
    expect(await runCopy()).toBe("compiled");
  });

  it("ends quietly, without an EPIPE stack trace, when the reader of its output stops reading", async () => {
    const child = spawn("node", [bin, "analyse", synthetic, "--per-trace"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    await once(child.stdout, "data");
    child.stdout.destroy();
    const [code] = await once(child, "exit");
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});

describe("nanofuse's failures: a code, a sentence, the documented exit code, never a stack trace", () => {
  it("refuses `host load` of something that is not a URL as a usage error (exit 2)", async () => {
    const { code, stderr } = await run("host", "load", "notaurl");
    expect(code).toBe(2);
    expect(stderr).toMatch(/^nanofuse: NF_USAGE: .*notaurl is not a URL/);
    expect(stderr).not.toMatch(STACK_FRAME);
  });

  it("refuses `host load` of an address that is not loopback as a usage error (exit 2)", async () => {
    const { code, stderr } = await run("host", "load", "http://10.0.0.1:8080/invoke/gateway");
    expect(code).toBe(2);
    expect(stderr).toMatch(/^nanofuse: NF_USAGE: .*loopback only, not 10\.0\.0\.1/);
  });

  it("says why `host load` failed when no host listens: the reason per request, exit 1", async () => {
    const { createServer } = await import("node:net");
    const server = createServer().listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as { port: number };
    server.close();
    const { code, stdout, stderr } = await run(
      "host",
      "load",
      `http://127.0.0.1:${port}/`,
      "--requests",
      "3",
    );
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({
      sent: 3,
      ok: 0,
      failed: 3,
      failures: [{ reason: "ECONNREFUSED", count: 3 }],
    });
    expect(stderr).toMatch(/^nanofuse: NF_LOAD_FAILED: 3 of 3 requests failed: 3× ECONNREFUSED/);
  });

  it("reports a write into a directory that does not exist with a code and the path (exit 1)", async () => {
    const target = join(dir, "no-such-dir", "p.json");
    const { code, stderr } = await run("plan", synthetic, "--write", target);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^nanofuse: NF_[A-Z_]+: .*no-such-dir\/p\.json/m);
    expect(stderr).not.toMatch(STACK_FRAME);
  });

  it("turns an error nanofuse did not expect into NF_INTERNAL with the place it was thrown", () => {
    let thrown: unknown;
    try {
      (undefined as unknown as { units: string[] }).units.push("x");
    } catch (error) {
      thrown = error;
    }
    const failure = describeFailure(thrown);
    expect(failure).toMatchObject({ code: "NF_INTERNAL", exitCode: 1 });
    expect(failure.message).toMatch(/^unexpected error .*: TypeError: Cannot read properties of undefined/);
    expect(failure.message).toMatch(/\(at .*cli\.test\.ts:\d+\)$/);
    expect(failure.message).not.toContain("\n");
  });

  it("reports a path that does not exist and a glob that matches nothing, and still reads the rest", async () => {
    const { code, stdout } = await run(
      "replay",
      join(dir, "nowhere.json"),
      join(dir, "none-*.json"),
      synthetic,
      "--format",
      "json",
    );
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc.summary.rejected).toEqual({ NF_PATH_NOT_FOUND: 1, NF_PATH_NO_MATCH: 1 });
    expect(doc.files).toHaveLength(2);
    expect(doc.summary.traces).toBeGreaterThan(0);
    const text = await run("replay", join(dir, "nowhere.json"));
    expect(text.stdout).toMatch(/^read 0 file\(s\)/);
    expect(text.stdout).toContain("NF_PATH_NOT_FOUND: no such file or directory");
    const strict = await run("replay", join(dir, "nowhere.json"), synthetic, "--strict");
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain("stopped (--strict) at");
  });

  it("gives every usage error the NF_USAGE code and exit code 2", async () => {
    for (const args of [["replay", "--bogus", synthetic], ["bogus"], ["analyse", synthetic, "--top", "0"]]) {
      const { code, stderr } = await run(...args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(stderr).toMatch(/^nanofuse: NF_USAGE: /);
    }
  });
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: no control character may be left.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe("text output of names from the input", () => {
  const hostile = join(dir, "hostile.otlp.jsonl");
  const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const span = (spanId: string, name: string, kind: number, start: number, end: number, parent?: string) => ({
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    name,
    kind,
    startTimeUnixNano: `17000000000${String(start).padStart(8, "0")}`,
    endTimeUnixNano: `17000000000${String(end).padStart(8, "0")}`,
  });
  const resource = (service: string, spans: object[]) => ({
    resource: { attributes: [attr("service.name", service)] },
    scopeSpans: [{ spans }],
  });
  writeFileSync(
    hostile,
    `${JSON.stringify({
      resourceSpans: [
        resource("gate\u001b[2J\u001b[31mway", [
          span("b7ad6b7169203331", "GET /\u0007", 2, 0, 9_000_000),
          span("c7ad6b7169203332", "call", 3, 1_000_000, 8_000_000, "b7ad6b7169203331"),
        ]),
        resource("evil\u202eretlif\u009b", [
          span("d7ad6b7169203333", "serve\r\n", 2, 2_000_000, 7_000_000, "c7ad6b7169203332"),
        ]),
      ],
    })}\n`,
  );

  it("shows control characters and bidirectional overrides in names as escapes, in every text report", async () => {
    for (const args of [["replay"], ["analyse"], ["analyse", "--per-trace"]]) {
      const { code, stdout } = await run(...args, hostile);
      expect({ args, code }).toEqual({ args, code: 0 });
      expect(stdout).toContain("gate\\x1b[2J\\x1b[31mway");
      expect(stdout).toContain("evil\\u202eretlif\\x9b");
      expect(stdout.replaceAll("\n", "")).not.toMatch(CONTROL);
    }
  });

  it("keeps the names exact in JSON, where they are data", async () => {
    const { stdout } = await run("analyse", hostile, "--format", "json");
    expect(
      JSON.parse(stdout)
        .units.map((u: { unit: string }) => u.unit)
        .sort(),
    ).toEqual(["evil\u202eretlif\u009b", "gate\u001b[2J\u001b[31mway"]);
  });
});

describe("nanofuse analyse's text report", () => {
  const json = async (...extra: string[]) =>
    JSON.parse((await run("analyse", synthetic, "--format", "json", ...extra)).stdout);

  it("prints each trace's critical path with --per-trace as a waterfall whose rows are its sections", async () => {
    const { traces } = await json("--per-trace");
    const { code, stdout } = await run("analyse", synthetic, "--per-trace");
    expect(code).toBe(0);
    const blocks = stdout.split("\n\n").filter((b) => b.startsWith("trace "));
    expect(blocks).toHaveLength(traces.length);
    for (const [i, block] of blocks.entries()) {
      const [header, ...rows] = block.split("\n");
      const trace = traces[i];
      expect(header).toContain(`trace ${trace.traceId} root ${trace.rootSpanId}: ${ms(trace.durationUs)}`);
      expect(rows).toHaveLength(trace.criticalPath.length);
      trace.criticalPath.forEach(
        (s: { unit: string; operation: string; startUs: number; endUs: number }, j: number) => {
          expect(rows[j]).toContain(`${ms(s.startUs)}  `);
          expect(rows[j].endsWith(`${ms(s.endUs - s.startUs)}  ${s.unit} ${s.operation}`)).toBe(true);
        },
      );
    }
  });

  it("draws the bars of a trace's sections so that together they cover its whole time line", async () => {
    const { stdout } = await run("analyse", synthetic, "--per-trace");
    const blocks = stdout.split("\n\n").filter((b) => b.startsWith("trace "));
    for (const block of blocks) {
      const bars = block
        .split("\n")
        .slice(1)
        .map((row) => row.slice(row.indexOf("|") + 1, row.indexOf("|") + 1 + BAR_WIDTH));
      const covered = Array.from({ length: BAR_WIDTH }, (_, col) => bars.some((b) => b[col] === "█"));
      expect(covered.every(Boolean)).toBe(true);
    }
  });

  it("shows each hop's critical-path network time per request and as a share of p50 and p95, beside the sum", async () => {
    const doc = await json();
    const { stdout } = await run("analyse", synthetic);
    const top = doc.edges[0];
    const perRequest = top.criticalPathNetworkUs / doc.summary.traces;
    const share = (p: number) => `${((100 * perRequest) / p).toFixed(1)}%`;
    const row = stdout
      .split("\n")
      .find((l) => l.trimStart().startsWith(`${top.from} → ${top.to} `)) as string;
    expect(row.trim().split(/\s{3,}/)).toEqual([
      `${top.from} → ${top.to}`,
      top.calls.toLocaleString("en-US"),
      ms(top.networkUs.p50),
      ms(perRequest),
      share(doc.summary.latencyUs.p50),
      share(doc.summary.latencyUs.p95),
      ms(top.criticalPathNetworkUs),
    ]);
    // Issue 16.5: the latency line says how many durations stand behind its percentiles, and how read.
    expect(stdout).toContain(
      `(${doc.summary.latencyUs.count.toLocaleString("en-US")} end-to-end durations of ${doc.summary.traces.toLocaleString("en-US")} traces, ${doc.summary.latencyUs.method === "exact" ? "exact order statistics" : "DDSketch within 1%"})`,
    );
  });

  it("ends with the hops worth fusing, synchronous and instrumented, and the plan command that comes next", async () => {
    const doc = await json();
    const { stdout } = await run("analyse", synthetic);
    const next = stdout.slice(stdout.lastIndexOf("what to do next"));
    const worth = doc.edges.filter(
      (e: { virtual: boolean; asyncCalls: number; calls: number; criticalPathNetworkUs: number }) =>
        !e.virtual && e.asyncCalls < e.calls && e.criticalPathNetworkUs > 0,
    );
    for (const e of worth.slice(0, 3)) expect(next).toContain(`${e.from} → ${e.to}`);
    for (const e of worth.slice(3)) expect(next).not.toContain(`${e.from} → ${e.to} `);
    expect(next).toContain(`nanofuse plan ${synthetic} --catalog`);
    expect(stdout.trimEnd().endsWith("--catalog <your catalog.yaml>")).toBe(true);
  });
});

describe("the README", () => {
  it("holds the option tables and the error list exactly as the code defines them (npm run readme)", async () => {
    const current = readFileSync(README, "utf8");
    expect(current).toBe(await generatedReadme(current));
  });
});
