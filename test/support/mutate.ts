/**
 * Seeded byte-level mutations of a valid file, in the manner of AFL's havoc stage: bit flips,
 * truncation, splices of two files, duplicated and deleted chunks, random bytes, and tokens that mean
 * something to a JSON or protobuf parser (huge numbers, lone surrogates, wrong types, long varints).
 */
type Random = () => number;

const int = (random: Random, n: number) => Math.floor(random() * n);

const TOKENS = [
  "{",
  "}",
  "[",
  "]",
  '"',
  ",",
  ":",
  "null",
  "true",
  "-1",
  "0",
  "1e400",
  "-9223372036854775809",
  "18446744073709551616",
  '"\\ud800"',
  '"\\u0000"',
  '""',
  "[]",
  "{}",
  '"constructor"',
  '"__proto__"',
  '"toString"',
  '{"__proto__":{}}',
  '"resourceSpans"',
  '"scopeSpans"',
  '"spans"',
  '"batches"',
  '"data"',
  '"traceId"',
  '"spanId"',
  '"startTimeUnixNano"',
  '"timestamp"',
  '"duration"',
  '"references"',
  '"processes"',
  '"ffffffffffffffffffffffffffffffff"',
  '"00000000000000000000000000000000"',
  '"zz"',
  "\n",
  "\u00ff",
].map((t) => Buffer.from(t, "latin1"));

/** Protobuf pieces: a varint of ten 0xff (too long), huge lengths, every wire type's tag. */
const PROTO_TOKENS = [
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f],
  [0x12, 0x80, 0x80, 0x80, 0x80, 0x08],
  [0x0b],
  [0x0c],
  [0x0d],
  [0x09],
  [0x00],
  [0x7f, 0xff, 0xff, 0xff],
  [0x00, 0x00, 0x00, 0x00],
  [0xff, 0xff, 0xff, 0xff],
].map((t) => Buffer.from(t));

function randomBytes(random: Random, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = int(random, 256);
  return out;
}

const at = (random: Random, data: Buffer) => int(random, data.length + 1);

/** Values that keep JSON valid but are hostile to what reads it: prototype names, escapes, extremes. */
const HOSTILE_VALUES = [
  '"constructor"',
  '"__proto__"',
  '"toString"',
  '"hasOwnProperty"',
  '"valueOf"',
  '""',
  '"\\ud800"',
  '"\\u001b[31mred\\u001b[0m"',
  '"0"',
  '"-1"',
  '"99999999999999999999999999"',
  "1e400",
  "-1",
  "0",
  "1.5",
  "9007199254740993",
  "1704067200000000000",
  "null",
  "true",
  "[]",
  "{}",
  '[{"key":"service.name","value":{"stringValue":"__proto__"}}]',
].map((t) => Buffer.from(t));

/** Replaces `count` JSON string or number literals with hostile values: the file stays valid JSON. */
function replaceLiterals(random: Random, data: Buffer, count: number): Buffer {
  const text = data.toString("latin1");
  // Keys are matched too, so that scanning never starts inside one, and then left alone.
  const literals = [...text.matchAll(/"(?:[^"\\]|\\.)*"(\s*:)?|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi)].filter(
    (m) => m[1] === undefined,
  );
  if (literals.length === 0) return data;
  const chosen = new Set(Array.from({ length: count }, () => int(random, literals.length)));
  const parts: Buffer[] = [];
  let from = 0;
  for (const i of [...chosen].sort((a, b) => a - b)) {
    const m = literals[i];
    const start = m.index ?? 0;
    parts.push(data.subarray(from, start), HOSTILE_VALUES[int(random, HOSTILE_VALUES.length)]);
    from = start + m[0].length;
  }
  parts.push(data.subarray(from));
  return Buffer.concat(parts);
}

/** One mutation of `data`; `other` is a second file to splice from. */
function mutateOnce(random: Random, data: Buffer, other: Buffer): Buffer {
  switch (int(random, 11)) {
    case 9:
    case 10:
      return replaceLiterals(random, data, 1 + int(random, 6));
    case 0: {
      const out = Buffer.from(data);
      for (let n = 1 + int(random, 8); n > 0 && out.length > 0; n--)
        out[int(random, out.length)] ^= 1 << int(random, 8);
      return out;
    }
    case 1:
      return data.subarray(0, at(random, data));
    case 2:
      return Buffer.concat([data.subarray(0, at(random, data)), other.subarray(at(random, other))]);
    case 3: {
      const from = at(random, data);
      const chunk = data.subarray(from, from + 1 + int(random, 4096));
      const to = at(random, data);
      const copies = 1 + int(random, 3);
      return Buffer.concat([data.subarray(0, to), ...Array(copies).fill(chunk), data.subarray(to)]);
    }
    case 4: {
      const from = at(random, data);
      return Buffer.concat([data.subarray(0, from), data.subarray(from + 1 + int(random, 512))]);
    }
    case 5: {
      const out = Buffer.from(data);
      const from = at(random, out);
      randomBytes(random, Math.min(out.length - from, 1 + int(random, 64))).copy(out, from);
      return out;
    }
    case 6: {
      const to = at(random, data);
      return Buffer.concat([
        data.subarray(0, to),
        randomBytes(random, 1 + int(random, 64)),
        data.subarray(to),
      ]);
    }
    case 7: {
      const token = TOKENS[int(random, TOKENS.length)];
      const to = at(random, data);
      const cut = random() < 0.5 ? int(random, 16) : 0;
      return Buffer.concat([data.subarray(0, to), token, data.subarray(to + cut)]);
    }
    default: {
      const token = PROTO_TOKENS[int(random, PROTO_TOKENS.length)];
      const to = at(random, data);
      const cut = random() < 0.5 ? token.length : 0;
      return Buffer.concat([data.subarray(0, to), token, data.subarray(to + cut)]);
    }
  }
}

/** One to four stacked mutations, or (one case in twenty) a file of random bytes. */
export function mutate(random: Random, data: Buffer, other: Buffer): Buffer {
  if (random() < 0.05) return randomBytes(random, int(random, 8192));
  let out = data;
  for (let n = 1 + int(random, 4); n > 0; n--) out = mutateOnce(random, out, other);
  return out;
}
