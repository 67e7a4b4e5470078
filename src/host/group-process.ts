/**
 * The entry of a group process, forked by the supervisor (group-child.ts) and driven over IPC:
 * inspect → app (load the app and describe it, for the supervisor, which never imports an app),
 * start → listening, peers → ready, drain → drained, stop → flush spans and exit. It also stops
 * cleanly when the supervisor disappears, so an orphaned group never keeps running or loses spans.
 */
import type { Server } from "node:http";
import { NanofuseError } from "../errors.ts";
import { loadApp } from "./app.ts";
import { createGroupServer } from "./group-server.ts";
import type { FromGroup, GroupConfig, ToGroup } from "./protocol.ts";
import { GroupRuntime } from "./runtime.ts";
import type { Telemetry } from "./telemetry.ts";

/** How long a stop waits for invocations in flight before it closes connections anyway. */
const STOP_GRACE_MS = 5000;

let running: { runtime: GroupRuntime; server: Server; telemetry: Telemetry } | undefined;
let stopping = false;

function tell(message: FromGroup): void {
  if (process.connected) process.send?.(message);
}

async function inspect(appPath: string): Promise<void> {
  const app = await loadApp(appPath);
  tell({ type: "app", app: { name: app.name, entry: app.entry, units: Object.keys(app.functions) } });
}

async function start(config: GroupConfig): Promise<void> {
  const app = await loadApp(config.appPath);
  // The OpenTelemetry SDK is loaded only by a group that runs, not by an inspection.
  const { startTelemetry } = await import("./telemetry.ts");
  const telemetry = startTelemetry({
    group: config.group,
    variant: config.variant,
    recordFile: config.recordFile,
    otlpEndpoint: config.otlpEndpoint,
  });
  const runtime = new GroupRuntime(config.group, config.units, app, telemetry.tracer, config.runtime);
  const server = createGroupServer(runtime);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port ?? 0, "127.0.0.1", () => resolve());
  });
  running = { runtime, server, telemetry };
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  tell({ type: "listening", url: `http://127.0.0.1:${port}` });
}

async function stop(code: number): Promise<never> {
  if (!stopping && running) {
    stopping = true;
    const { runtime, server, telemetry } = running;
    server.close();
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([runtime.activity.idle(), new Promise((r) => (timer = setTimeout(r, STOP_GRACE_MS)))]);
    clearTimeout(timer);
    server.closeAllConnections();
    await telemetry
      .shutdown()
      .catch((error) => process.stderr.write(`nanofuse host: flush failed: ${error}\n`));
  }
  process.exit(code);
}

function fail(error: unknown): void {
  const code = error instanceof NanofuseError ? error.code : "NF_HOST_START_FAILED";
  tell({ type: "failed", code, message: error instanceof Error ? error.message : String(error) });
}

process.on("message", (message: ToGroup) => {
  switch (message.type) {
    case "inspect":
      inspect(message.appPath).catch((error) => {
        fail(error);
        process.exit(1);
      });
      break;
    case "start":
      start(message.config).catch((error) => {
        fail(error);
        process.exit(1);
      });
      break;
    case "peers":
      running?.runtime.setRoutes({ groupOf: message.groupOf, urls: message.urls });
      tell({ type: "ready" });
      break;
    case "drain":
      if (running) {
        const { activity } = running.runtime;
        activity.idle().then(() => tell({ type: "drained", started: activity.started }));
      }
      break;
    case "stop":
      void stop(0);
      break;
  }
});

// A terminal's Ctrl-C reaches every process in the foreground group; the supervisor stops us in order.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => void stop(0));
process.on("disconnect", () => void stop(0));
// One crash handler (DESIGN.md style 8): a handler's stray error kills the group as it would a real one.
process.on("uncaughtException", (error) => {
  process.stderr.write(`nanofuse host: group crashed: ${error.stack ?? error}\n`);
  fail(error);
  void stop(1);
});
