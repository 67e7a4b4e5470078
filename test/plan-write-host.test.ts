/**
 * The central loop of a first use (issue 16.1): `plan --write` on the shop's recording writes a
 * manifest, and `nanofuse host` runs it as written. Group names follow one rule (src/model/manifest.ts)
 * that plan writes and host checks.
 */
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { manifestShape } from "../src/host/manifest.ts";
import { groupNames, isGroupName } from "../src/model/manifest.ts";
import { toManifest } from "../src/plan/proposal.ts";
import { firstLine } from "./processes.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "bin", "nanofuse.js");
/** Planning 2,400 traces and starting groups (tsx, the OpenTelemetry SDK) take seconds each on a busy machine. */
const SLOW_MS = 300_000;
const PATIENT_MS = 60_000;

const node = (...args: string[]) =>
  promisify(execFile)(process.execPath, [BIN, ...args], { cwd: ROOT, maxBuffer: 64 << 20 });

describe("group names", () => {
  it("are valid and distinct for any units, so a written manifest passes the host's check", () => {
    const groups = [
      ["auth", "cart", "checkout", "gateway", "pricing", "tax"],
      ["catalog", "recommendations"],
      ["order service", "/etc", "a+b"],
      ["-x"],
      ["x".repeat(200)],
      ["x".repeat(200), "y"],
      ["é"],
      ["_"],
    ];
    const names = groupNames(groups);
    expect(names.slice(0, 2)).toEqual(["auth.5-more", "catalog.recommendations"]);
    for (const name of names) expect(isGroupName(name), name).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    const manifest = toManifest({ contentHash: "0123456789abcdef", groups });
    expect(manifestShape(manifest).groups.map((g) => g.name)).toEqual(names);
  });
});

describe("the plan → host loop on the shop", () => {
  it(
    "hosts the manifest that `plan --write` wrote, and every fused group answers requests",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "nanofuse-plan-host-"));
      const manifestFile = join(dir, "proposal.json");
      await node(
        "plan",
        "fixtures/shop-baseline.otlp.jsonl.gz",
        "--catalog",
        "examples/shop/catalog.yaml",
        "--write",
        manifestFile,
      );
      const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as {
        groups: { name: string; units: string[] }[];
      };
      // A proposal that fuses nothing would not test the names of fused groups.
      expect(manifest.groups.some((g) => g.units.length > 1)).toBe(true);

      const record = join(dir, "recording");
      const host = spawn(
        process.execPath,
        [
          BIN,
          "host",
          "--app",
          "examples/shop/app.ts",
          "--catalog",
          "examples/shop/catalog.yaml",
          "--manifest",
          manifestFile,
          "--record",
          record,
          "--call-timeout-ms",
          String(PATIENT_MS),
          "--start-timeout-ms",
          String(PATIENT_MS),
        ],
        { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
      );
      const exited = once(host, "exit");
      let stderr = "";
      host.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      try {
        const url = await firstLine(host).catch((e: Error) => {
          throw new Error(`${e.message}\n${stderr}`);
        });
        expect(url, stderr).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/invoke\/gateway$/);
        const load = JSON.parse(
          (await node("host", "load", url, "--requests", "5", "--timeout-ms", String(PATIENT_MS))).stdout,
        );
        expect(load).toMatchObject({ sent: 5, ok: 5, failed: 0 });
        host.kill("SIGINT");
        const [code] = await exited;
        expect(code, stderr).toBe(0);
        // Each group records under its manifest name; a group whose units did not run writes nothing.
        const names = new Set(manifest.groups.map((g) => `${g.name}.otlp.jsonl`));
        const files = readdirSync(record);
        expect(files.length).toBeGreaterThan(0);
        for (const f of files) expect(names).toContain(f);
        expect(files).toContain(
          `${manifest.groups.find((g) => g.units.includes("gateway"))?.name}.otlp.jsonl`,
        );
      } finally {
        if (host.exitCode === null) host.kill("SIGKILL");
      }
    },
    SLOW_MS,
  );
});
