/**
 * Messages between the supervisor and its group processes (Node IPC, JSON). Configuration travels
 * here rather than through the environment, which only src/config reads (DESIGN.md style 5).
 */
import type { RuntimeOptions } from "./options.ts";

export interface GroupConfig {
  group: string;
  units: string[];
  /** Absolute path of the app module. */
  appPath: string;
  runtime: RuntimeOptions;
  variant?: string;
  /** OTLP JSON lines file for this group's spans; no recording without it. */
  recordFile?: string;
  /** OTLP/HTTP traces URL the group exports its spans to, besides (or instead of) the file. */
  otlpEndpoint?: string;
  /** Loopback port to listen on; any free one when absent. A restarted group keeps its port. */
  port?: number;
}

/** What the supervisor learns about an app before it starts any group (the app runs in a child). */
export interface AppOutline {
  name: string;
  entry: string;
  units: string[];
}

export type ToGroup =
  /** Load the app and describe it, nothing else: the supervisor never imports an app itself. */
  | { type: "inspect"; appPath: string }
  | { type: "start"; config: GroupConfig }
  /** Where every unit runs, sent once every group listens. */
  | { type: "peers"; urls: Record<string, string>; groupOf: Record<string, string> }
  | { type: "drain" }
  | { type: "stop" };

export type FromGroup =
  | { type: "app"; app: AppOutline }
  | { type: "listening"; url: string }
  | { type: "ready" }
  /** Idle now; `started` counts every invocation and delivery so far, to detect quiescence. */
  | { type: "drained"; started: number }
  | { type: "stopped" }
  | { type: "failed"; code: string; message: string };
