/**
 * nanofuse's own traces (issue 14): off by default, on with the standard OTEL_* variables, and
 * readable by nanofuse itself. A real `nanofuse serve` exports through the SDK's OTLP/HTTP JSON
 * exporter to a collector made of a plain HTTP server, which keeps each request body as one line of
 * an OTLP JSON lines file; `nanofuse analyse` then reads that file.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { selfTelemetryWanted } from "../src/telemetry/self-telemetry.ts";
import { eventually } from "./processes.ts";
import { BIN, startServe } from "./support/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "nanofuse-self-"));

function collector(): Promise<{ server: Server; url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      bodies.push(body);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies }),
    ),
  );
}

describe("nanofuse's own traces", () => {
  it("are off unless an exporter or an OTLP endpoint is named, and off whenever the SDK is disabled", () => {
    expect(selfTelemetryWanted({})).toBe(false);
    expect(selfTelemetryWanted({ OTEL_TRACES_EXPORTER: "none" })).toBe(false);
    expect(selfTelemetryWanted({ OTEL_TRACES_EXPORTER: "otlp" })).toBe(true);
    expect(selfTelemetryWanted({ OTEL_TRACES_EXPORTER: "none, console" })).toBe(true);
    expect(selfTelemetryWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(true);
    expect(selfTelemetryWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces" })).toBe(true);
    expect(
      selfTelemetryWanted({
        OTEL_SDK_DISABLED: "TRUE",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      }),
    ).toBe(false);
    // An endpoint with traces turned off by name stays off: the exporter list decides.
    expect(
      selfTelemetryWanted({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c" }),
    ).toBe(false);
  });

  it("trace the API's requests and the store calls behind them, and nanofuse analyses them", async () => {
    const { server, url, bodies } = await collector();
    const { child, out, exited } = await startServe(
      ["--store", join(dir, "store"), "--port", "0", "--otlp-port", "0", "--seed", "none"],
      {
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${url}/v1/traces`,
        OTEL_BSP_SCHEDULE_DELAY: "200",
        OTEL_SERVICE_NAME: "nanofuse-under-test",
      },
    );
    try {
      const api = /API {8}(http:\/\/127\.0\.0\.1:\d+)\/api\//.exec(out)?.[1] as string;
      const token = /export NANOFUSE_TOKEN=(nf_\S+)/.exec(out)?.[1] as string;
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${api}/api/proposals`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status).toBe(200);
      }
      await eventually(() => bodies.join("").includes("store.proposals.list"), 30_000);
    } finally {
      child.kill("SIGINT");
      await exited;
      server.close();
    }
    const file = join(dir, "self.otlp.jsonl");
    writeFileSync(file, `${bodies.map((b) => JSON.stringify(JSON.parse(b))).join("\n")}\n`);

    const { stdout } = await promisify(execFile)("node", [BIN, "analyse", file, "--format", "json"]);
    const report = JSON.parse(stdout);
    const units = report.units.map((u: { unit: string }) => u.unit);
    expect(units).toContain("nanofuse-under-test");
    const operations = report.operations.map((o: { operation: string }) => o.operation);
    expect(operations).toEqual(expect.arrayContaining(["GET", "store.proposals.list"]));
    // The health probe is left out: it would be most of the spans and says nothing about the work.
    expect(bodies.join("")).not.toContain("/healthz");
  }, 120_000);
});
