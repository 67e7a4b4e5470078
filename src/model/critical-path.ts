/**
 * One stretch of a trace's critical path: the time `spanId` itself (not one of its children) held up
 * the end of the trace. Times are absolute microseconds since the Unix epoch; reports subtract the
 * root's start. `operation` is the span name.
 */
export interface CriticalSection {
  spanId: string;
  unit: string;
  operation: string;
  startUs: number;
  endUs: number;
}
