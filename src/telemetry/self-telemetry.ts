/**
 * nanofuse's own traces (issue 14): off unless the standard OpenTelemetry variables ask for them,
 * as the OpenTelemetry SDKs' environment specification defines them. `OTEL_TRACES_EXPORTER` (other
 * than `none`) or an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`, `…_TRACES_ENDPOINT`) turns them
 * on; `OTEL_SDK_DISABLED=true` keeps them off. Everything else (protocol, headers, sampler,
 * resource attributes) is the SDK's own reading of `OTEL_*`.
 *
 * What is traced: HTTP in and out (the API, the receiver, webhooks) by the SDK's HTTP
 * instrumentation, and every store call by `tracedStore`, as spans of `service.name` nanofuse
 * (`OTEL_SERVICE_NAME` names it otherwise). So nanofuse's own traces can be analysed by nanofuse:
 * a store call on PostgreSQL is a CLIENT span to `db.system` postgresql, a virtual hop.
 */
export type Env = Readonly<Record<string, string | undefined>>;

/** Whether the environment asks for nanofuse's own traces. */
export function selfTelemetryWanted(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return false;
  const exporters = env.OTEL_TRACES_EXPORTER;
  if (exporters !== undefined)
    return exporters.split(",").some((name) => name.trim() !== "" && name.trim() !== "none");
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export interface SelfTelemetry {
  readonly enabled: boolean;
  /** Exports what is still buffered and stops; call once, before the process exits. */
  shutdown(): Promise<void>;
}

/**
 * Starts the SDK when the environment asks for it. Call before the servers are created: the HTTP
 * instrumentation patches Node's `http` module, which servers and clients look up at call time.
 */
export async function startSelfTelemetry(env: Env = process.env): Promise<SelfTelemetry> {
  if (!selfTelemetryWanted(env)) return { enabled: false, shutdown: async () => {} };
  // Loaded only when wanted: the SDK is a large import that a server without telemetry never needs.
  const [{ NodeSDK }, { HttpInstrumentation }] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/instrumentation-http"),
  ]);
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? "nanofuse",
    // Health probes would be most of the spans and say nothing about the work.
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => req.url === "/healthz" }),
    ],
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}
