/**
 * Span conventions of the host, from the OpenTelemetry semantic conventions (FaaS, HTTP, messaging).
 * `faas.name` on every span is what makes nanofuse see units inside a group: the resource's
 * service.name is the group (ingest/normalise.ts `unitOf`).
 */
import { type HrTime, type Span, SpanStatusCode } from "@opentelemetry/api";

export const FAAS_NAME = "faas.name";
export const FAAS_COLDSTART = "faas.coldstart";
export const FAAS_TRIGGER = "faas.trigger";
export const FAAS_INVOKED_NAME = "faas.invoked_name";
export const PEER_SERVICE = "peer.service";
/** The delay injected on this call, so the recorded network time can be checked against it. */
export const NETWORK_DELAY = "nanofuse.network_delay_ms";
export const MESSAGING_SYSTEM = "nanofuse";

/** Status ERROR plus an `exception` event, as the OpenTelemetry exception conventions ask. */
export function recordFailure(span: Span, error: unknown): void {
  const e = error instanceof Error ? error : new Error(String(error));
  span.recordException(e);
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
}

/**
 * Now, as epoch time with sub-millisecond precision, for both ends of every span. The SDK's default
 * start is `Date.now()`, whole milliseconds, while its end is precise: a child could then seem to end
 * after its parent by up to 1 ms, which nanofuse would count as clock skew on a 2 ms hop.
 */
export function clock(): HrTime {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.floor((ms - seconds * 1000) * 1e6)];
}
