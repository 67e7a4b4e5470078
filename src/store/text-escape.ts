/**
 * PostgreSQL text and jsonb cannot hold U+0000 ("invalid byte sequence for encoding UTF8: 0x00"), yet
 * unit names and reasons come from input we do not control. Rather than refuse a whole replay for one
 * span, the store escapes reversibly: U+0000 is written as U+FFFF '0' and U+FFFF (a noncharacter, so
 * never meaningful text) as U+FFFF U+FFFF. Strings without either are untouched, so every normal
 * value is stored and compared as itself; escaped ones sort by their escaped form.
 * JS strings with lone surrogates are not Unicode: the drivers send them as U+FFFD.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching NUL is the point
const SPECIAL = /[\u0000\uFFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching NUL is the point
const SPECIAL_ALL = /[\u0000\uFFFF]/g;
const ESCAPED = /\uFFFF([0\uFFFF])/g;

export function escapeText(s: string): string {
  return SPECIAL.test(s) ? s.replace(SPECIAL_ALL, (c) => (c === "\u0000" ? "\uFFFF0" : "\uFFFF\uFFFF")) : s;
}

export function unescapeText(s: string): string {
  return s.includes("\uFFFF") ? s.replace(ESCAPED, (_, c: string) => (c === "0" ? "\u0000" : "\uFFFF")) : s;
}

function mapDeep(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === "string") return f(value);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => mapDeep(v, f));
  if (value instanceof Date || ArrayBuffer.isView(value)) return value;
  // fromEntries defines own properties, so a key named __proto__ stays a key.
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k), mapDeep(v, f)]));
}

export const encodeDeep = <T>(value: T): T => mapDeep(value, escapeText) as T;
export const decodeDeep = <T>(value: T): T => mapDeep(value, unescapeText) as T;
