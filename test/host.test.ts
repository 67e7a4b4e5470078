/**
 * `nanofuse host` for real: the four-unit test app (front → a → b, front ⇢ c, c on another runtime)
 * started as separate processes in two layouts, driven through its entry URL, stopped, and its
 * recorded spans read back with nanofuse's own replay, as the closed loop will read them.
 */
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HostOptions, type RunningHost, startHost } from "../src/host/supervisor.ts";
import type { CallTree } from "../src/model/call-tree.ts";
import type { Span } from "../src/model/span.ts";
import { type ReplayResult, replayFiles } from "../src/pipeline/replay.ts";
import { loadCatalog } from "../src/plan/catalog.ts";
import { commandLine, eventually, exists, firstLine, parentOf } from "./processes.ts";

const APP = fileURLToPath(new URL("../src/host/test-app/app.ts", import.meta.url));
const CATALOG_FILE = fileURLToPath(new URL("../src/host/test-app/catalog.yaml", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "bin", "nanofuse.js");
/** `nanofuse host` of the test app, every unit alone. */
const HOST_BASELINE = ["host", "--app", APP, "--catalog", CATALOG_FILE, "--baseline"];
/**
 * Long enough that the scheduling delays of a busy machine (tens of ms at load 18, on top of the
 * sleep) stay small beside it, so "close to the delay, not twice it" can be told apart.
 */
const DELAY_MS = 100;
const REQUESTS = 6;
/** A test's own limit: starting groups loads the OpenTelemetry SDK (and tsx), seconds on two busy cores. */
const START_MS = 120_000;

interface Answer {
  status: number;
  body: { result?: unknown; error?: { code: string; message: string } };
  ms: number;
}

async function post(url: string, body: unknown): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(url, { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Answer["body"], ms: performance.now() - started };
}

interface Recording {
  dir: string;
  result: ReplayResult;
  trees: CallTree[];
  spans: Span[];
  answers: Answer[];
}

async function start(dir: string, extra: Partial<HostOptions>): Promise<RunningHost> {
  return startHost({
    app: APP,
    catalog: await loadCatalog(CATALOG_FILE),
    recordDir: dir,
    networkDelayMs: DELAY_MS,
    networkJitterMs: 0,
    initMs: 20,
    onEvent: () => {},
    ...extra,
  });
}

async function read(dir: string): Promise<Omit<Recording, "answers" | "dir">> {
  const trees: CallTree[] = [];
  const files = readdirSync(dir).map((f) => join(dir, f));
  const result = await replayFiles(files, (tree) => trees.push(tree));
  return { result, trees, spans: trees.flatMap((t) => t.trace.spans) };
}

/** Starts a layout, sends REQUESTS good requests and one that b refuses, stops, reads the recording. */
async function record(extra: Partial<HostOptions>): Promise<Recording> {
  const dir = mkdtempSync(join(tmpdir(), "nanofuse-host-"));
  const host = await start(dir, extra);
  const answers: Answer[] = [];
  try {
    for (let i = 0; i < REQUESTS; i++) answers.push(await post(host.entryUrl, { order: i }));
    answers.push(await post(host.entryUrl, { fail: true }));
  } finally {
    await host.stop();
  }
  return { dir, answers, ...(await read(dir)) };
}

/** This process's children that run a group's entry (the host's processes), as the kernel lists them. */
async function groupProcesses(): Promise<number[]> {
  const { stdout } = await promisify(execFile)("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)]);
  return stdout
    .split("\n")
    .filter((line) => line.includes("group-process"))
    .map((line) => Number(line.trim().split(" ")[0]));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spanById = (tree: CallTree, id: string | undefined) => tree.nodes.get(id ?? "")?.span;

function coldStartsPerUnitAndProcess(spans: Span[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of spans) {
    if (s.attributes["faas.coldstart"] === undefined) continue;
    const key = `${s.unit}@${s.resource["process.pid"]}`;
    counts.set(key, (counts.get(key) ?? 0) + (s.attributes["faas.coldstart"] === true ? 1 : 0));
  }
  return counts;
}

describe("nanofuse host with every unit alone (baseline)", () => {
  let rec: Recording;
  beforeAll(async () => {
    rec = await record({ variant: "baseline" });
  }, START_MS);

  it("answers every request through the entry URL, and a handler's error as a 500 naming the path", () => {
    const good = rec.answers.slice(0, REQUESTS);
    for (const a of good)
      expect(a).toMatchObject({ status: 200, body: { result: { front: true, a: { b: { bytes: 16 } } } } });
    expect(rec.answers[REQUESTS].status).toBe(500);
    expect(rec.answers[REQUESTS].body.error).toEqual({
      code: "NF_CALL_FAILED",
      message: "call failed: front → a: call failed: a → b: b refused the request",
      unit: "front",
    });
  });

  it("writes one OTLP JSON lines file per group that nanofuse replays without a single problem", () => {
    expect(readdirSync(rec.dir).sort()).toEqual([
      "a.otlp.jsonl",
      "b.otlp.jsonl",
      "c.otlp.jsonl",
      "front.otlp.jsonl",
    ]);
    expect(rec.result.files.every((f) => f.format === "json-lines")).toBe(true);
    expect(rec.result.problems.total()).toBe(0);
  });

  it("loses no span on stop: every request is one complete trace of seven spans", () => {
    expect(rec.trees).toHaveLength(REQUESTS + 1);
    for (const tree of rec.trees) {
      expect(tree.trace.spans).toHaveLength(7);
      expect(tree.roots).toHaveLength(1);
      expect(tree.orphans).toHaveLength(0);
    }
  });

  it("labels spans with the group as service.name, the unit as faas.name, and the variant", () => {
    for (const s of rec.spans) {
      expect(s.resource["service.name"]).toBe(s.unit);
      expect(s.resource["nanofuse.group"]).toBe(s.unit);
      expect(s.resource["nanofuse.variant"]).toBe("baseline");
      expect(s.attributes["faas.name"]).toBe(s.unit);
    }
  });

  it("shows each synchronous call as a CLIENT → SERVER hop whose network time is close to the injected delay", () => {
    const sync = rec.trees.flatMap((t) => t.hops.filter((h) => h.mode === "sync").map((h) => ({ t, h })));
    expect(new Set(sync.map(({ h }) => `${h.from}->${h.to}`))).toEqual(new Set(["front->a", "a->b"]));
    for (const { t, h } of sync) {
      expect(spanById(t, h.clientSpanId)?.kind).toBe("client");
      expect(spanById(t, h.serverSpanId)?.kind).toBe("server");
      expect(spanById(t, h.clientSpanId)?.attributes["nanofuse.network_delay_ms"]).toBe(DELAY_MS);
      expect(h.networkUs).toBeGreaterThanOrEqual(DELAY_MS * 1000 * 0.95);
      expect(h.skewUs).toBe(0);
    }
    // Loopback HTTP adds about a millisecond to the injected delay on a quiet machine, tens when
    // the machine is busy; a delay applied twice would show as twice the delay.
    const times = sync.map(({ h }) => h.networkUs);
    expect(Math.min(...times)).toBeLessThan(DELAY_MS * 1.5 * 1000);
    expect(median(times)).toBeLessThan(DELAY_MS * 1.75 * 1000);
  });

  it("shows the asynchronous send as a PRODUCER → CONSUMER hop", () => {
    for (const tree of rec.trees) {
      const async = tree.hops.filter((h) => h.mode === "async");
      expect(async.map((h) => `${h.from}->${h.to}`)).toEqual(["front->c"]);
      expect(spanById(tree, async[0].clientSpanId)?.kind).toBe("producer");
      expect(spanById(tree, async[0].serverSpanId)?.kind).toBe("consumer");
    }
  });

  it("marks faas.coldstart=true exactly once per unit per process", () => {
    const counts = coldStartsPerUnitAndProcess(rec.spans);
    expect([...counts.keys()].map((k) => k.split("@")[0]).sort()).toEqual(["a", "b", "c", "front"]);
    for (const n of counts.values()) expect(n).toBe(1);
  });

  it("records a handler's error on every span of its path", () => {
    const failed = rec.trees.find((t) => t.trace.spans.some((s) => s.status === "error")) as CallTree;
    const errors = failed.trace.spans.filter((s) => s.status === "error").map((s) => `${s.kind} ${s.unit}`);
    expect(errors.sort()).toEqual(["client a", "client front", "server a", "server b", "server front"]);
  });
});

describe("nanofuse host with a and b fused", () => {
  let rec: Recording;
  const manifest = {
    version: 2,
    groups: [
      { name: "edge", units: ["front"] },
      { name: "ab", units: ["a", "b"] },
      { name: "async", units: ["c"] },
    ],
  };
  beforeAll(async () => {
    rec = await record({ manifest, variant: "fused" });
  }, START_MS);

  it("calls b inside a's process: an INTERNAL span in unit b, child of a's span, and no hop", () => {
    expect(rec.result.problems.total()).toBe(0);
    for (const tree of rec.trees) {
      const b = tree.trace.spans.find((s) => s.unit === "b") as Span;
      const parent = spanById(tree, b.parentSpanId) as Span;
      expect(b.kind).toBe("internal");
      expect(b.resource["service.name"]).toBe("ab");
      expect(parent).toMatchObject({ unit: "a", kind: "server" });
      expect(tree.hops.map((h) => `${h.from}->${h.to} ${h.mode}`).sort()).toEqual([
        "front->a sync",
        "front->c async",
      ]);
      expect(tree.trace.spans).toHaveLength(6);
    }
  });

  it("still answers, and b's error still reaches the entry through the in-process call", () => {
    for (const a of rec.answers.slice(0, REQUESTS)) expect(a.status).toBe(200);
    expect(rec.answers[REQUESTS].body.error?.message).toBe(
      "call failed: front → a: call failed: a → b: b refused the request",
    );
  });

  it("cold starts each unit once in the shared process", () => {
    const counts = coldStartsPerUnitAndProcess(rec.spans);
    expect(counts.size).toBe(4);
    for (const n of counts.values()) expect(n).toBe(1);
    const pids = new Set(
      rec.spans.filter((s) => s.unit === "a" || s.unit === "b").map((s) => s.resource["process.pid"]),
    );
    expect(pids.size).toBe(1);
  });

  it("refuses, before starting any group, a layout that puts the Python unit c with Node units", async () => {
    const mixed = { version: 3, groups: [{ name: "all", units: ["front", "a", "b", "c"] }] };
    await expect(
      start(mkdtempSync(join(tmpdir(), "nanofuse-host-")), { manifest: mixed }),
    ).rejects.toMatchObject({
      code: "NF_MANIFEST_MIXED_RUNTIME",
    });
  });
});

describe("nanofuse host when a group dies or hangs", () => {
  const dir = mkdtempSync(join(tmpdir(), "nanofuse-host-"));
  const events: string[] = [];
  let host: RunningHost;
  beforeAll(async () => {
    // Never restarted here: these tests are about what callers see of a dead or hung group.
    host = await start(dir, { callTimeoutMs: 1000, maxRestarts: 0, onEvent: (m) => events.push(m) });
    expect((await post(host.entryUrl, {})).status).toBe(200);
  }, START_MS);
  afterAll(() => host?.stop());

  const pidOf = (group: string) => host.groups.find((g) => g.name === group)?.pid as number;

  it("times out a call to a hung group instead of hanging its caller", async () => {
    process.kill(pidOf("b"), "SIGSTOP");
    const answer = await post(host.entryUrl, {});
    expect(answer.status).toBe(500);
    // front's own call to a gives up first: both calls wait the same 1000 ms, and front's started earlier.
    expect(answer.body.error?.message).toContain("no answer in 1000 ms");
    expect(answer.ms).toBeLessThan(3000);
    // a's own call to b started a little later and times out a little later: let it, before b dies.
    await new Promise((resolve) => setTimeout(resolve, 500));
  });

  it("fails a call to a killed group fast, and records the error on the caller's CLIENT span", async () => {
    process.kill(pidOf("b"), "SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const answer = await post(host.entryUrl, {});
    expect(answer.status).toBe(500);
    expect(answer.body.error?.message).toMatch(/a → b: ECONNREFUSED|a → b: ECONNRESET/);
    expect(answer.ms).toBeLessThan(1000);
    expect(events.join("\n")).toMatch(
      /NF_GROUP_EXITED: group b \(pid \d+\) exited unexpectedly \(signal SIGKILL\); not restarted/,
    );

    await host.stop();
    const { spans } = await read(dir);
    const calls = spans
      .filter((s) => s.kind === "client" && s.unit === "a")
      .sort((x, y) => x.startUs - y.startUs);
    expect(calls.map((s) => s.status)).toEqual(["unset", "error", "error"]);
    // The exception event is not part of nanofuse's span model: read it from the raw OTLP lines.
    const raw = readFileSync(join(dir, "a.otlp.jsonl"), "utf8");
    const events_ = raw
      .trim()
      .split("\n")
      .flatMap((line) => JSON.parse(line).resourceSpans[0].scopeSpans[0].spans)
      .filter((s: { kind: number }) => s.kind === 3)
      .flatMap(
        (s: { events: { name: string; attributes: { key: string; value: { stringValue?: string } }[] }[] }) =>
          s.events,
      );
    expect(events_.map((e) => e.name)).toEqual(["exception", "exception"]);
    const messages = events_.map(
      (e) => e.attributes.find((a) => a.key === "exception.message")?.value.stringValue,
    );
    expect(messages.join("\n")).toContain("no answer in 1000 ms");
  });
});

describe("nanofuse host on the command line", () => {
  it(
    "prints the entry URL, serves requests, and on SIGINT stops every group with its spans written",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "nanofuse-host-cli-"));
      const args = [...HOST_BASELINE, "--record", dir, "--init-ms", "0"];
      const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      const exited = once(child, "exit");
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      try {
        const url = await firstLine(child);
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/invoke\/front$/);
        // The test run built dist/: the compiled group entry runs, with tsx loaded for the TypeScript app only.
        const line = /group front \[front\] at \S+ \(pid (\d+)\)/;
        // Written before the URL, but on another pipe: it may arrive a moment later.
        await eventually(() => line.test(stderr), 10_000);
        const pid = Number(stderr.match(line)?.[1]);
        const argv = await commandLine(pid);
        expect(argv.slice(1)).toEqual([join(ROOT, "dist", "group-process.js")]);
        expect((await post(url, {})).status).toBe(200);
        child.kill("SIGINT");
        const [code] = await exited;
        expect(code).toBe(0);
        const { trees, result } = await read(dir);
        expect(result.problems.total()).toBe(0);
        expect(trees.map((t) => t.trace.spans.length)).toEqual([7]);
      } finally {
        // A failed test must not leave the host running; its groups exit when it disappears.
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    },
    START_MS,
  );
});

describe("nanofuse host when a group dies: restarted on the same port", () => {
  const events: string[] = [];
  let host: RunningHost;
  let restarted: (message: string) => void = () => {};
  const nextRestart = () => new Promise<string>((resolve) => (restarted = resolve));
  beforeAll(async () => {
    host = await start(mkdtempSync(join(tmpdir(), "nanofuse-host-")), {
      maxRestarts: 2,
      restartDelayMs: 50,
      onEvent: (m) => {
        events.push(m);
        if (m.includes("restarted") || m.includes("not restarted")) restarted(m);
      },
    });
    expect((await post(host.entryUrl, {})).status).toBe(200);
  }, START_MS);
  afterAll(() => host?.stop());

  const pidOf = (group: string) => host.groups.find((g) => g.name === group)?.pid as number;
  /** Kills the group's process; resolves with what the host says next about restarting it. */
  const kill = (group: string) => {
    const next = nextRestart();
    process.kill(pidOf(group), "SIGKILL");
    return next;
  };

  it(
    "starts the entry group again after it was killed, so that the printed entry URL answers again",
    async () => {
      const before = pidOf("front");
      expect(await kill("front")).toMatch(/^group front restarted \(pid \d+\) at http:\/\/127\.0\.0\.1:\d+$/);
      expect(pidOf("front")).not.toBe(before);
      expect(exists(before)).toBe(false);
      const answer = await post(host.entryUrl, { order: 1 });
      expect(answer).toMatchObject({
        status: 200,
        body: { result: { front: true, a: { b: { bytes: 16 } } } },
      });
    },
    START_MS,
  );

  it(
    "reaches a restarted group from the others again: a → b works after b was killed",
    async () => {
      expect(await kill("b")).toMatch(/^group b restarted/);
      expect((await post(host.entryUrl, {})).status).toBe(200);
    },
    START_MS,
  );

  it(
    "gives up on a group after --max-restarts restarts, and says so",
    async () => {
      expect(await kill("b")).toMatch(/^group b restarted/);
      expect(await kill("b")).toMatch(
        /^NF_GROUP_EXITED: group b \(pid \d+\) exited unexpectedly \(signal SIGKILL\); not restarted \(2 restarts, --max-restarts 2\)$/,
      );
      const answer = await post(host.entryUrl, {});
      expect(answer.status).toBe(500);
      expect(answer.body.error?.message).toMatch(/a → b: ECONNREFUSED|a → b: ECONNRESET/);
      expect(events.filter((e) => e.includes("restart 1 of 2"))).toHaveLength(2);
    },
    START_MS,
  );
});

describe("nanofuse host's limits before anything runs", () => {
  it(
    "refuses a layout with more groups than --max-groups",
    async () => {
      await expect(
        start(mkdtempSync(join(tmpdir(), "nanofuse-host-")), { maxGroups: 3 }),
      ).rejects.toMatchObject({
        code: "NF_HOST_TOO_MANY_GROUPS",
        message: expect.stringContaining("has 4 groups, at most 3 may run (--max-groups)"),
      });
    },
    START_MS,
  );

  it(
    "fails the start of an app that loops at import after the start timeout, and leaves no process behind",
    async () => {
      const spinning = join(mkdtempSync(join(tmpdir(), "nanofuse-spin-")), "app.mjs");
      writeFileSync(spinning, "for (;;) {}\nexport default {};\n");
      const before = await groupProcesses();
      await expect(
        startHost({ app: spinning, startTimeoutMs: 3000, onEvent: () => {} }),
      ).rejects.toMatchObject({
        code: "NF_HOST_START_FAILED",
        message: expect.stringContaining("loading the app did not finish in 3000 ms"),
      });
      expect((await groupProcesses()).filter((pid) => !before.includes(pid))).toEqual([]);
    },
    START_MS,
  );

  it(
    "reports an app module that cannot be loaded with NF_APP_INVALID",
    async () => {
      const broken = join(mkdtempSync(join(tmpdir(), "nanofuse-broken-")), "app.mjs");
      writeFileSync(broken, "export default { name: 'x', entry: 'a', functions: {} };\n");
      await expect(startHost({ app: broken, onEvent: () => {} })).rejects.toMatchObject({
        code: "NF_APP_INVALID",
        message: expect.stringContaining("functions is empty"),
      });
    },
    START_MS,
  );
});

describe("nanofuse host started through npx", () => {
  const refused = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(false);
      });
      socket.once("error", () => resolve(true));
    });

  it(
    "stops its supervisor and every group, ports closed, when npx gets SIGTERM",
    async () => {
      const npx = join(dirname(process.execPath), "npx");
      const child = spawn(npx, ["--no-install", "nanofuse", ...HOST_BASELINE], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      const groups: { pid: number; port: number }[] = [];
      let supervisor = 0;
      try {
        await firstLine(child);
        const line = /group \S+ \[[^\]]*\] at http:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)\)/g;
        await eventually(() => [...stderr.matchAll(line)].length === 4, 10_000);
        for (const m of stderr.matchAll(line)) groups.push({ port: Number(m[1]), pid: Number(m[2]) });
        supervisor = await parentOf(groups[0].pid);
        expect(supervisor).not.toBe(child.pid);
        for (const g of groups) expect(await refused(g.port)).toBe(false);

        child.kill("SIGTERM");
        await eventually(() => !exists(supervisor) && groups.every((g) => !exists(g.pid)), 30_000);
        for (const g of groups) expect(await refused(g.port)).toBe(true);
        expect(stderr).toMatch(/parent process \d+ exited: stopping/);
      } finally {
        for (const pid of [supervisor, ...groups.map((g) => g.pid)])
          if (pid && exists(pid)) process.kill(pid, "SIGKILL");
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    },
    START_MS,
  );
});

describe("nanofuse host asked to stop while it starts", () => {
  it(
    "abandons the start once groups are starting: every process killed, and the start rejects",
    async () => {
      const controller = new AbortController();
      const started = start(mkdtempSync(join(tmpdir(), "nanofuse-host-")), { signal: controller.signal });
      // The app's inspection is one process; two at once are groups starting.
      await eventually(async () => (await groupProcesses()).length >= 2, 60_000);
      const starting = await groupProcesses();
      controller.abort("SIGTERM");
      await expect(started).rejects.toMatchObject({
        code: "NF_HOST_START_FAILED",
        message: "host could not start: stopped (SIGTERM) before every group was ready",
      });
      for (const pid of starting) expect(exists(pid)).toBe(false);
    },
    START_MS,
  );
});
