/**
 * The normalised span every decoder produces. Ids are lowercase hex (trace 32, span 16), times are
 * integer microseconds since the Unix epoch (raw Unix nanoseconds do not fit a double; DESIGN.md).
 */
export type SpanKind = "unspecified" | "internal" | "server" | "client" | "producer" | "consumer";

export type AttributeValue = string | number | boolean | null | AttributeValue[];
export type Attributes = Record<string, AttributeValue>;

export type SpanStatus = "unset" | "ok" | "error";

export interface SpanLink {
  traceId: string;
  spanId: string;
}

export interface Span {
  traceId: string;
  spanId: string;
  /** Absent for a root span (an empty or all-zero parent id decodes to absent). */
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  startUs: number;
  endUs: number;
  /** What is deployed on its own: `faas.name`, else `service.name`, else `unknown_service`. */
  unit: string;
  status: SpanStatus;
  attributes: Attributes;
  resource: Attributes;
  links?: SpanLink[];
}

export const UNKNOWN_UNIT = "unknown_service";

/** The calling side of a call between processes. */
export const isCaller = (kind: SpanKind) => kind === "client" || kind === "producer";
/** The called side: a unit's entry point for a call from elsewhere. */
export const isCallee = (kind: SpanKind) => kind === "server" || kind === "consumer";

export function durationUs(span: Pick<Span, "startUs" | "endUs">): number {
  return span.endUs - span.startUs;
}
