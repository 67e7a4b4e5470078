import { describe, expect, it } from "vitest";
import type { Problem } from "../../errors.ts";
import { decodeOtlpProtoStream, looksLikeOtlpProto, type OtlpProtoOptions } from "./otlp-proto.ts";
import {
  chunked,
  collector,
  encodeRequest,
  frame,
  realisticRequest,
  rng,
  wildRequest,
} from "./otlp-proto-testkit.ts";

type Json = Record<string, unknown>;

const TRACE = Buffer.from("5b8efff798038103d269b633813fc60c", "hex");
const SPAN = Buffer.from("00f067aa0ba902b7", "hex");
const PARENT = Buffer.from("53995c3f42cd8ad8", "hex");
const START_NS = "1735689600123456789";
const END_NS = "1735689600124000999";

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

function span(overrides: Json = {}): Json {
  return {
    traceId: TRACE,
    spanId: SPAN,
    name: "GET /cart",
    kind: 2,
    startTimeUnixNano: START_NS,
    endTimeUnixNano: END_NS,
    ...overrides,
  };
}

function request(spans: Json[], resource: Json[] = [str("service.name", "cart")]): Json {
  return { resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ spans }] }] };
}

async function decode(data: Buffer, options: OtlpProtoOptions = {}, chunk?: number) {
  const sink = collector();
  await decodeOtlpProtoStream(chunked(data, chunk), "in.pb", sink, options);
  return { ...sink, codes: sink.problems.map((p) => p.code) };
}

/** Problems without the wording of NF_PROTO_MALFORMED, which comes from each decoder's own reader. */
const comparable = (problems: Problem[]) =>
  problems.map((p) => (p.code === "NF_PROTO_MALFORMED" ? { code: p.code, where: p.where } : p));

function varint(n: number): Buffer {
  const out: number[] = [];
  for (; n >= 128; n = Math.floor(n / 128)) out.push((n % 128) | 128);
  return Buffer.from([...out, n]);
}

/** Byte offset of each top-level record's payload, to check reported offsets against. */
function payloadOffsets(message: Buffer, base = 0): number[] {
  const offsets: number[] = [];
  for (let pos = 0; pos < message.length; ) {
    pos++; // tag 0x0A
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      const b = message[pos++];
      length += (b & 127) * 2 ** shift;
      if (b < 128) break;
    }
    offsets.push(base + pos);
    pos += length;
  }
  return offsets;
}

describe.each(["fast", "reference"] as const)("the OTLP protobuf decoder (%s)", (decoder) => {
  const run = (data: Buffer, options: OtlpProtoOptions = {}, chunk?: number) =>
    decode(data, { decoder, ...options }, chunk);

  it("decodes one ExportTraceServiceRequest into normalised spans", async () => {
    const data = encodeRequest(
      request([
        span({
          parentSpanId: PARENT,
          kind: 3,
          attributes: [str("peer.service", "db"), { key: "n", value: { intValue: 7 } }],
          links: [{ traceId: TRACE, spanId: PARENT }],
          status: { code: 2, message: "boom" },
        }),
      ]),
    );
    const { spans, problems } = await run(data);
    expect(problems).toEqual([]);
    expect(spans).toEqual([
      {
        traceId: "5b8efff798038103d269b633813fc60c",
        spanId: "00f067aa0ba902b7",
        parentSpanId: "53995c3f42cd8ad8",
        name: "GET /cart",
        kind: "client",
        startUs: 1_735_689_600_123_456,
        endUs: 1_735_689_600_124_000,
        unit: "cart",
        status: "error",
        attributes: { "peer.service": "db", n: 7 },
        resource: { "service.name": "cart" },
        links: [{ traceId: "5b8efff798038103d269b633813fc60c", spanId: "53995c3f42cd8ad8" }],
      },
    ]);
  });

  it("reads every AnyValue member, including false, 0 and the empty string", async () => {
    const attributes = [
      str("s", ""),
      { key: "b", value: { boolValue: false } },
      { key: "i", value: { intValue: 0 } },
      { key: "d", value: { doubleValue: 0 } },
      { key: "big", value: { intValue: "9007199254740993" } },
      { key: "neg", value: { intValue: "-42" } },
      {
        key: "arr",
        value: { arrayValue: { values: [{ intValue: 1 }, { stringValue: "a" }, { arrayValue: {} }] } },
      },
      {
        key: "kv",
        value: { kvlistValue: { values: [str("a", "b"), { key: "t", value: { boolValue: true } }] } },
      },
      { key: "bytes", value: { bytesValue: Buffer.from([1, 2, 255]) } },
      { key: "none" },
    ];
    const { spans } = await run(encodeRequest(request([span({ attributes })])));
    expect(spans[0].attributes).toEqual({
      s: "",
      b: false,
      i: 0,
      d: 0,
      big: "9007199254740993",
      neg: -42,
      arr: [1, "a", []],
      kv: '{"a":"b","t":true}',
      bytes: "AQL/",
      none: null,
    });
  });

  it("treats an empty or all-zero parent id as a root", async () => {
    const data = encodeRequest(request([span(), span({ parentSpanId: Buffer.alloc(8) })]));
    const { spans, problems } = await run(data);
    expect(problems).toEqual([]);
    expect(spans.map((s) => s.parentSpanId)).toEqual([undefined, undefined]);
  });

  it("reports ids of the wrong length or all zeros with their codes, offset and path", async () => {
    const data = encodeRequest(
      request([
        span(),
        span({ traceId: TRACE.subarray(0, 11) }),
        span({ spanId: Buffer.alloc(8) }),
        span({ parentSpanId: SPAN.subarray(0, 4) }),
      ]),
    );
    const { spans, problems } = await run(data);
    expect(spans).toHaveLength(1);
    const [offset] = payloadOffsets(data);
    expect(problems.map((p) => [p.code, p.where])).toEqual([
      ["NF_SPAN_BAD_ID", { file: "in.pb", offset, path: "resourceSpans[0].scopeSpans[0].spans[1]" }],
      ["NF_SPAN_ZERO_ID", { file: "in.pb", offset, path: "resourceSpans[0].scopeSpans[0].spans[2]" }],
      ["NF_SPAN_BAD_ID", { file: "in.pb", offset, path: "resourceSpans[0].scopeSpans[0].spans[3]" }],
    ]);
    expect(problems[0].message).toMatch(/traceId has 11 bytes, expected 16/);
  });

  it("takes the unit from faas.name, then service.name, else unknown_service with a warning", async () => {
    const data = encodeRequest({
      resourceSpans: [
        {
          resource: { attributes: [str("service.name", "host"), str("faas.name", "resize")] },
          scopeSpans: [{ spans: [span()] }],
        },
        { resource: { attributes: [str("host.name", "a")] }, scopeSpans: [{ spans: [span()] }] },
      ],
    });
    const { spans, codes } = await run(data);
    expect(spans.map((s) => s.unit)).toEqual(["resize", "unknown_service"]);
    expect(codes).toEqual(["NF_SPAN_MISSING_SERVICE"]);
  });

  it("keeps a span of unknown kind as unspecified and rejects one that ends before it starts", async () => {
    const data = encodeRequest(
      request([span({ kind: 9 }), span({ endTimeUnixNano: "1735689600000000000" })]),
    );
    const { spans, codes } = await run(data);
    expect(spans.map((s) => s.kind)).toEqual(["unspecified"]);
    expect(codes).toEqual(["NF_SPAN_UNKNOWN_KIND", "NF_SPAN_END_BEFORE_START"]);
  });

  it("decodes a framed sequence as the collector's file exporter writes it", async () => {
    const first = encodeRequest(request([span()]));
    const second = encodeRequest(request([span({ name: "a" }), span({ name: "b", spanId: PARENT })]));
    const data = frame([first, second]);
    expect(looksLikeOtlpProto(data)).toBe("framed");
    for (const framed of [true, undefined]) {
      const { spans, problems } = await run(data, { framed }, 5);
      expect(problems).toEqual([]);
      expect(spans.map((s) => s.name)).toEqual(["GET /cart", "a", "b"]);
    }
  });

  it("reads a request split into chunks of any size the same as in one piece", async () => {
    const data = encodeRequest(realisticRequest(rng(7), 40));
    const whole = await run(data);
    expect(whole.spans).toHaveLength(40);
    for (const chunk of [1, 3, 64, 1000]) {
      const { spans, problems } = await run(data, {}, chunk);
      expect({ spans, problems }).toEqual({ spans: whole.spans, problems: whole.problems });
    }
  });

  it("skips unknown top-level fields of every wire type", async () => {
    const record = encodeRequest(request([span()]));
    const unknown = Buffer.from([
      ...[0x28, 0x96, 0x01], // field 5, varint
      ...[0x31, 1, 2, 3, 4, 5, 6, 7, 8], // field 6, fixed64
      ...[0x3d, 1, 2, 3, 4], // field 7, fixed32
      ...[0x42, 3, 0xff, 0xff, 0xff], // field 8, length-delimited
    ]);
    const { spans, problems } = await run(Buffer.concat([unknown, record, unknown, record]));
    expect(problems).toEqual([]);
    expect(spans).toHaveLength(2);
  });

  it("skips the deprecated instrumentation_library_spans field, which trace.proto now reserves", async () => {
    // A ResourceSpans holding only scope_spans (tag 0x12), moved to field 1000 (tag 0xC2 0x3E).
    const modern = encodeRequest({ resourceSpans: [{ scopeSpans: [{ spans: [span()] }] }] });
    const [payloadAt] = payloadOffsets(modern);
    const payload = Buffer.concat([Buffer.from([0xc2, 0x3e]), modern.subarray(payloadAt + 1)]);
    const data = Buffer.concat([Buffer.from([0x0a]), varint(payload.length), payload]);
    expect((await run(modern)).spans).toHaveLength(1);
    expect(await run(data)).toMatchObject({ spans: [], problems: [] });
  });

  it("reports an element larger than maxElementBytes and reads on", async () => {
    const big = encodeRequest(request(Array.from({ length: 20 }, () => span())));
    const small = encodeRequest(request([span({ name: "small" })]));
    const { spans, problems } = await run(Buffer.concat([big, small]), { maxElementBytes: 200 });
    expect(spans.map((s) => s.name)).toEqual(["small"]);
    expect(problems.map((p) => [p.code, p.where.path])).toEqual([["NF_PROTO_MALFORMED", "resourceSpans[0]"]]);
    expect(problems[0].message).toMatch(/more than maxElementBytes/);
  });

  it("reports protobuf garbage inside a record with its byte offset and keeps the spans around it", async () => {
    const good = encodeRequest(request([span()]));
    const garbage = Buffer.from([0x0a, 6, 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff]);
    const data = Buffer.concat([good, garbage, good]);
    const { spans, problems } = await run(data);
    expect(spans).toHaveLength(2);
    expect(problems.map((p) => [p.code, p.where])).toEqual([
      ["NF_PROTO_MALFORMED", { file: "in.pb", offset: good.length + 2, path: "resourceSpans[1]" }],
    ]);
  });

  it("reports garbage in a top-level header once, at its offset, and keeps the spans before it", async () => {
    const good = encodeRequest(request([span()]));
    const data = Buffer.concat([good, Buffer.alloc(12, 0xff), good]);
    const { spans, problems } = await run(data);
    expect(spans).toHaveLength(1);
    expect(problems.map((p) => [p.code, p.where.offset])).toEqual([["NF_PROTO_MALFORMED", good.length + 4]]);
  });

  it("reports a truncated message once and keeps the spans before it", async () => {
    const good = encodeRequest(request([span()]));
    const data = Buffer.concat([good, good]).subarray(0, good.length + 20);
    const { spans, problems } = await run(data);
    expect(spans).toHaveLength(1);
    expect(problems.map((p) => [p.code, p.where.path])).toEqual([["NF_PROTO_MALFORMED", "resourceSpans[1]"]]);
    expect(problems[0].message).toMatch(/truncated/);
  });

  it("continues with the next frame after a malformed frame", async () => {
    const good = encodeRequest(request([span()]));
    const broken = Buffer.concat([Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x7f]), good]);
    const { spans, problems } = await run(frame([good, broken, good]), { framed: true });
    expect(spans).toHaveLength(2);
    expect(problems.map((p) => [p.code, p.where])).toEqual([
      ["NF_PROTO_MALFORMED", { file: "in.pb", offset: 4 + good.length + 4 + 5, path: "messages[1]" }],
    ]);
  });

  it("stops at a frame whose length is implausible, keeping the frames before it", async () => {
    const good = encodeRequest(request([span()]));
    const data = Buffer.concat([frame([good]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0a]), frame([good])]);
    const { spans, problems } = await run(data, { framed: true });
    expect(spans).toHaveLength(1);
    expect(problems.map((p) => [p.code, p.where.offset])).toEqual([["NF_PROTO_MALFORMED", 4 + good.length]]);
  });
});

describe("looksLikeOtlpProto", () => {
  const message = encodeRequest(request([span()]));

  it("tells a single message and a framed sequence from their first bytes", () => {
    expect(looksLikeOtlpProto(message.subarray(0, 64))).toBe("single");
    expect(looksLikeOtlpProto(frame([message]).subarray(0, 64))).toBe("framed");
  });

  it("rejects JSON, JSON after a blank line, gzip and empty input", () => {
    expect(looksLikeOtlpProto(Buffer.from('{"resourceSpans":[]}'))).toBeUndefined();
    expect(looksLikeOtlpProto(Buffer.from('\n{"resourceSpans":[{"resource":{}}]}'))).toBeUndefined();
    expect(looksLikeOtlpProto(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]))).toBeUndefined();
    expect(looksLikeOtlpProto(Buffer.alloc(0))).toBeUndefined();
  });
});

describe("the fast OTLP protobuf decoder against the protobufjs reference", () => {
  const both = async (data: Buffer, options: OtlpProtoOptions = {}, chunk?: number) => {
    const fast = await decode(data, { ...options, decoder: "fast" }, chunk);
    const reference = await decode(data, { ...options, decoder: "reference" }, chunk);
    return { fast, reference };
  };

  it("agrees on every field of random requests using every field and AnyValue member", {
    timeout: 60_000,
  }, async () => {
    let spans = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const random = rng(seed);
      const data = encodeRequest(wildRequest(random));
      const { fast, reference } = await both(data, {}, 1 + Math.floor(random() * 300));
      expect(fast.spans, `seed ${seed}`).toEqual(reference.spans);
      expect(fast.problems, `seed ${seed}`).toEqual(reference.problems);
      spans += fast.spans.length;
    }
    expect(spans).toBeGreaterThan(1000);
  });

  it("agrees on protobuf's corner cases: merges, oneof switches, groups, bad UTF-8, deep nesting", async () => {
    const ld = (tag: number[], body: Buffer) => Buffer.concat([Buffer.from(tag), varint(body.length), body]);
    const int = (n: number) => Buffer.from([0x18, n]);
    const text = (s: string | Buffer) => ld([0x0a], Buffer.from(s));
    const array = (...values: Buffer[]) => ld([0x2a], Buffer.concat(values.map((v) => ld([0x0a], v))));
    const kv = (key: string, ...values: Buffer[]) =>
      Buffer.concat([text(key), ...values.map((v) => ld([0x12], v))]);
    const deep = (depth: number) => Array.from({ length: depth }).reduce<Buffer>((v) => array(v), int(1));
    /** A request of one span carrying `attributes` (KeyValue payloads) and `extra` raw span fields. */
    const requestWith = (attributes: Buffer[], extra: number[] = []) => {
      const time = Buffer.alloc(8);
      time.writeBigUInt64LE(1_735_689_600_123_456_789n);
      const spanBody = Buffer.concat([
        ld([0x0a], TRACE),
        ld([0x12], SPAN),
        Buffer.from([0x39]),
        time,
        Buffer.from([0x41]),
        time,
        ...attributes.map((a) => ld([0x4a], a)),
        Buffer.from(extra),
      ]);
      const resource = ld([0x0a], ld([0x0a], kv("service.name", text("s"))));
      return ld([0x0a], Buffer.concat([resource, ld([0x12], ld([0x12], spanBody))]));
    };
    const cases: [string, Buffer, unknown][] = [
      [
        "array, string, array: the switch starts afresh",
        requestWith([kv("k", Buffer.concat([array(int(1)), text("x"), array(int(2))]))]),
        [2],
      ],
      [
        "two arrays in a row merge",
        requestWith([kv("k", Buffer.concat([array(int(1)), array(int(2))]))]),
        [1, 2],
      ],
      ["a value given twice merges", requestWith([kv("k", array(int(1)), array(int(2)))]), [1, 2]],
      ["a group is skipped", requestWith([kv("k", int(3))], [0xa3, 0x01, 0x08, 0x01, 0xa4, 0x01]), 3],
      ["a group with the wrong end tag", requestWith([], [0xa3, 0x01, 0x08, 0x01, 0xac, 0x01]), undefined],
      [
        "an invalid UTF-8 key is read with U+FFFD, as in JSON",
        requestWith([Buffer.concat([text(Buffer.from([0xc3, 0x28])), ld([0x12], int(1))]), kv("k", int(5))]),
        5,
      ],
      ["an invalid UTF-8 trace_state is skipped", requestWith([kv("k", int(6))], [0x1a, 1, 0xff]), 6],
      ["field number 0", requestWith([], [0x00, 0x01]), undefined],
      ["an 11-byte kind", requestWith([], [0x30, ...Array(10).fill(0x81), 0x00]), undefined],
      [
        "an 11-byte unknown varint",
        requestWith([kv("k", int(4))], [0xf8, 0x01, ...Array(10).fill(0x80), 0x00]),
        4,
      ],
      ["arrays nested 40 deep", requestWith([kv("k", deep(40))]), expect.any(Array)],
      ["arrays nested 5000 deep", requestWith([kv("k", deep(5000))]), undefined],
    ];
    for (const [name, data, k] of cases) {
      const { fast, reference } = await both(data);
      expect(fast.spans, name).toEqual(reference.spans);
      expect(comparable(fast.problems), name).toEqual(comparable(reference.problems));
      if (k === undefined) expect(fast.codes, name).toEqual(["NF_PROTO_MALFORMED"]);
      else expect(fast.spans[0]?.attributes.k, name).toEqual(k);
    }
  });

  it("never throws or hangs on mutated or truncated requests, and agrees on what is malformed", {
    timeout: 60_000,
  }, async () => {
    let malformed = 0;
    for (let seed = 1; seed <= 1500; seed++) {
      const random = rng(seed);
      const messages = [encodeRequest(wildRequest(random, 2)), encodeRequest(wildRequest(random, 2))];
      const framed = random() < 0.3;
      const data = framed ? frame(messages) : Buffer.concat(messages);
      const mutated = mutate(random, data);
      const { fast, reference } = await both(mutated, { framed });
      expect(fast.spans, `seed ${seed}`).toEqual(reference.spans);
      expect(comparable(fast.problems), `seed ${seed}`).toEqual(comparable(reference.problems));
      if (fast.codes.includes("NF_PROTO_MALFORMED")) malformed++;
    }
    expect(malformed).toBeGreaterThan(300);
  });
});

/** Flips, overwrites, inserts or deletes a few bytes, or truncates. */
function mutate(random: () => number, data: Buffer): Buffer {
  let out = Buffer.from(data);
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * out.length);
    const roll = random();
    if (roll < 0.3) out[at] ^= 1 << Math.floor(random() * 8);
    else if (roll < 0.55) out[at] = Math.floor(random() * 256);
    else if (roll < 0.7)
      out = Buffer.concat([out.subarray(0, at), Buffer.from([Math.floor(random() * 256)]), out.subarray(at)]);
    else if (roll < 0.85) out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
    else out = out.subarray(0, at);
  }
  return out;
}
