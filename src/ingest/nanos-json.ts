/**
 * proto3's JSON mapping lets an exporter write a uint64 as a JSON number, and some write
 * `startTimeUnixNano` that way. Unix nanoseconds (about 1.7·10^18) are beyond 2^53, so JSON.parse
 * would round them to a multiple of 256 ns. Node 20 has no access to a number's source text in
 * JSON.parse, so before parsing a line we quote the two timestamps when they are numbers: they are
 * then read exactly, as the decimal strings OTLP JSON usually has. The streaming path keeps the same
 * keys' numbers as text (json-document.ts), so both paths read the same microseconds.
 */

/** The keys whose numeric values are kept as text. */
export const NANOS_KEYS: ReadonlySet<string> = new Set(["startTimeUnixNano", "endTimeUnixNano"]);

const NUMERIC_NANOS = /("(?:start|end)TimeUnixNano"\s*:\s*)(\d+)/g;

/**
 * The line with numeric timestamps quoted. Cheap when they are strings (the common case): only the
 * first timestamp is looked at, since one exporter writes a line one way.
 */
export function quoteNumericNanos(line: string): string {
  const at = line.indexOf('TimeUnixNano"');
  if (at === -1) return line;
  let i = at + 13;
  while (line.charCodeAt(i) === 0x20 || line.charCodeAt(i) === 0x3a || line.charCodeAt(i) === 0x09) i++;
  const c = line.charCodeAt(i);
  return c >= 0x30 && c <= 0x39 ? line.replace(NUMERIC_NANOS, '$1"$2"') : line;
}
