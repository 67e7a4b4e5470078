/**
 * The OTLP/HTTP receiver answers as the OTLP specification says, in the encoding of the request:
 * protobuf and JSON bodies, gzip, partial success with the count of rejected spans, 400 for bodies
 * nothing can be read from, 413/415 for oversized or foreign bodies, 429 and 503 with Retry-After.
 * Spans go to the intake (here a recorder; test/api/otel-exporter.test.ts runs the real pipeline).
 */
import { gzipSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { encodeRequest, realisticRequest } from "../../src/ingest/decoders/otlp-proto-testkit.ts";
import type { Span } from "../../src/model/span.ts";
import { seededRandom } from "../../src/random.ts";
import { buildReceiver, type ReceiverOptions } from "../../src/receiver/app.ts";
import { otlpSpan, TRACE_ID } from "../support/otlp.ts";
import { decodeExportResponse, decodeStatus } from "./otlp-protos.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const PROTOBUF = { "content-type": "application/x-protobuf" };
const JSON_TYPE = { "content-type": "application/json" };

interface Recorder {
  spans: Span[];
  receivedAt: number[];
  open: boolean;
  accepting(): boolean;
  offer(spans: readonly Span[], nowUs: number): void;
}

function recorder(): Recorder {
  return {
    spans: [],
    receivedAt: [],
    open: true,
    accepting() {
      return this.open;
    },
    offer(spans, nowUs) {
      this.spans.push(...spans);
      this.receivedAt.push(nowUs);
    },
  };
}

let app: FastifyInstance;
let intake: Recorder;

async function receiver(options: Partial<ReceiverOptions> = {}) {
  intake = recorder();
  app = await buildReceiver({ intake, clock: () => NOW }, { logLevel: "silent", ...options });
  await app.ready();
  return app;
}

afterEach(async () => {
  await app?.close();
});

const post = (headers: Record<string, string>, payload: Buffer | string) =>
  app.inject({ method: "POST", url: "/v1/traces", headers, payload });

function jsonRequest(spans: Parameters<typeof otlpSpan>[0][]) {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "checkout" } }] },
        scopeSpans: [{ scope: { name: "test" }, spans: spans.map(otlpSpan) }],
      },
    ],
  });
}

const protoRequest = (spans: number, seed = 7) => realisticRequest(seededRandom(seed), spans, 2);

describe("the OTLP/HTTP receiver", () => {
  it("takes a protobuf request, answers an empty protobuf ExportTraceServiceResponse, and passes the spans on with the time received", async () => {
    await receiver();
    const response = await post(PROTOBUF, encodeRequest(protoRequest(10)));
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("application/x-protobuf");
    expect(decodeExportResponse(response.rawPayload)).toEqual({});
    expect(intake.spans).toHaveLength(10);
    expect(intake.receivedAt).toEqual([NOW.getTime() * 1000]);
  });

  it("takes a JSON request and answers JSON", async () => {
    await receiver();
    const response = await post(
      JSON_TYPE,
      jsonRequest([
        { spanId: "00f067aa0ba902b7" },
        { spanId: "00f067aa0ba902b8", parentSpanId: "00f067aa0ba902b7" },
      ]),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({});
    expect(intake.spans.map((s) => [s.traceId, s.spanId, s.unit])).toEqual([
      [TRACE_ID, "00f067aa0ba902b7", "checkout"],
      [TRACE_ID, "00f067aa0ba902b8", "checkout"],
    ]);
  });

  it("decompresses gzip bodies of either encoding into the same spans", async () => {
    await receiver();
    const request = encodeRequest(protoRequest(6));
    await post(PROTOBUF, request);
    await post({ ...PROTOBUF, "content-encoding": "gzip" }, gzipSync(request));
    expect(intake.spans.slice(6)).toEqual(intake.spans.slice(0, 6));
    const json = jsonRequest([{ spanId: "00f067aa0ba902b7" }]);
    const gz = await post({ ...JSON_TYPE, "content-encoding": "gzip" }, gzipSync(json));
    expect(gz.statusCode).toBe(200);
    expect(intake.spans).toHaveLength(13);
  });

  it("accepts an empty request and ignores unknown JSON fields, as receivers must", async () => {
    await receiver();
    expect((await post(PROTOBUF, Buffer.alloc(0))).statusCode).toBe(200);
    expect((await post(JSON_TYPE, "{}")).statusCode).toBe(200);
    expect((await post(JSON_TYPE, '{"resourceSpans":[],"comingSoon":true}')).statusCode).toBe(200);
    expect(intake.spans).toEqual([]);
  });

  it("answers a partial success naming how many spans were rejected and why, and keeps the others", async () => {
    await receiver();
    const json = await post(
      JSON_TYPE,
      jsonRequest([
        { spanId: "00f067aa0ba902b7" },
        { spanId: "0000000000000000" },
        { spanId: "00f067aa0ba902b9", startMs: 5, endMs: 1 },
      ]),
    );
    expect(json.statusCode).toBe(200);
    const { partialSuccess } = json.json();
    expect(partialSuccess.rejectedSpans).toBe("2");
    expect(partialSuccess.errorMessage).toContain("resourceSpans[0].scopeSpans[0].spans[1]");
    expect(partialSuccess.errorMessage).toContain("all zeros");
    expect(intake.spans.map((s) => s.spanId)).toEqual(["00f067aa0ba902b7"]);

    const request = protoRequest(4);
    const spans = (request.resourceSpans as { scopeSpans: { spans: { spanId: Buffer }[] }[] }[])[0]
      .scopeSpans[0].spans;
    spans[0].spanId = Buffer.alloc(8);
    const proto = await post(PROTOBUF, encodeRequest(request));
    expect(proto.statusCode).toBe(200);
    expect(decodeExportResponse(proto.rawPayload).partialSuccess).toMatchObject({ rejectedSpans: "1" });
  });

  it("answers 400 with a google.rpc.Status when nothing in the body can be read", async () => {
    await receiver();
    const garbage = await post(PROTOBUF, Buffer.from([0x0f, 0xff, 0xff, 0x01]));
    expect(garbage.statusCode).toBe(400);
    expect(decodeStatus(garbage.rawPayload)).toMatchObject({
      code: 3,
      message: expect.stringMatching(/^NF_PROTO_MALFORMED: /),
    });
    for (const [body, code] of [
      ["{not json", "NF_JSON_MALFORMED"],
      ["[1, 2]", "NF_SHAPE_INVALID"],
      ['{"resourceSpans": 3}', "NF_SHAPE_INVALID"],
      [jsonRequest([{ spanId: "0000000000000000" }]), "NF_SPAN_ZERO_ID"],
    ]) {
      const response = await post(JSON_TYPE, body);
      expect({
        body: body.slice(0, 20),
        status: response.statusCode,
        grpc: response.json().code,
        code: response.json().message.split(":")[0],
      }).toEqual({
        body: body.slice(0, 20),
        status: 400,
        grpc: 3,
        code,
      });
    }
    const corrupt = await post(
      { ...PROTOBUF, "content-encoding": "gzip" },
      gzipSync(encodeRequest(protoRequest(3))).subarray(0, 20),
    );
    expect({
      status: corrupt.statusCode,
      message: decodeStatus(corrupt.rawPayload).message?.split(":")[0],
    }).toEqual({ status: 400, message: "NF_GZIP_CORRUPT" });
    expect(intake.spans).toEqual([]);
  });

  it("answers 415 to other content types and encodings, and 404 to other paths", async () => {
    await receiver();
    const text = await post({ "content-type": "text/plain" }, "spans");
    expect({ status: text.statusCode, code: text.json().message.split(":")[0] }).toEqual({
      status: 415,
      code: "NF_MEDIA_TYPE_UNSUPPORTED",
    });
    const brotli = await post({ ...PROTOBUF, "content-encoding": "br" }, Buffer.from([1, 2, 3]));
    expect(brotli.statusCode).toBe(415);
    expect(decodeStatus(brotli.rawPayload).message).toMatch(/^NF_MEDIA_TYPE_UNSUPPORTED: /);
    const other = await app.inject({
      method: "POST",
      url: "/v1/metrics",
      headers: PROTOBUF,
      payload: Buffer.alloc(0),
    });
    expect(other.statusCode).toBe(404);
  });

  it("answers 413 to bodies over the limit, counted after decompression, so a small gzip bomb is refused too", async () => {
    await receiver({ bodyLimit: 64 * 1024 });
    const big = await post(JSON_TYPE, " ".repeat(65 * 1024));
    expect({ status: big.statusCode, code: big.json().message.split(":")[0] }).toEqual({
      status: 413,
      code: "NF_BODY_TOO_LARGE",
    });
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const exploded = await post({ ...JSON_TYPE, "content-encoding": "gzip" }, bomb);
    expect({ status: exploded.statusCode, code: exploded.json().message.split(":")[0] }).toEqual({
      status: 413,
      code: "NF_BODY_TOO_LARGE",
    });
  });

  it("answers 429 with Retry-After beyond its rate, and 503 with Retry-After while the buffer is full", async () => {
    await receiver({ rateLimit: 2 });
    const send = () => post(JSON_TYPE, "{}");
    expect([(await send()).statusCode, (await send()).statusCode]).toEqual([200, 200]);
    const limited = await send();
    expect({ status: limited.statusCode, grpc: limited.json().code }).toEqual({ status: 429, grpc: 8 });
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);

    await app.close();
    await receiver();
    intake.open = false;
    const full = await post(PROTOBUF, encodeRequest(protoRequest(2)));
    expect(full.statusCode).toBe(503);
    expect(full.headers["retry-after"]).toBe("5");
    expect(decodeStatus(full.rawPayload)).toMatchObject({
      code: 14,
      message: expect.stringMatching(/^NF_OVERLOADED: /),
    });
    expect(intake.spans).toEqual([]);
  });
});

describe("receiver fuzzing", () => {
  const mutate = (random: () => number, body: Buffer): Buffer => {
    const out = Buffer.from(body);
    const kind = Math.floor(random() * 4);
    if (kind === 0) return out.subarray(0, Math.floor(random() * out.length));
    if (kind === 1) {
      for (let i = 0; i < 1 + random() * 8; i++)
        out[Math.floor(random() * out.length)] ^= 1 << Math.floor(random() * 8);
      return out;
    }
    if (kind === 2) {
      const at = Math.floor(random() * out.length);
      return Buffer.concat([
        out.subarray(0, at),
        Buffer.from(Array.from({ length: 1 + random() * 16 }, () => random() * 256)),
        out.subarray(at),
      ]);
    }
    return Buffer.from(Array.from({ length: Math.floor(random() * 512) }, () => random() * 256));
  };

  it("never fails on random and mutated bodies: every answer is 200 or a 4xx, and the next good request still works", async () => {
    await receiver();
    const random = seededRandom(20260301);
    const proto = encodeRequest(protoRequest(8, 3));
    const json = Buffer.from(
      jsonRequest([
        { spanId: "00f067aa0ba902b7" },
        { spanId: "00f067aa0ba902b8", parentSpanId: "00f067aa0ba902b7" },
      ]),
    );
    const statuses = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      const base = i % 2 ? proto : json;
      let body = mutate(random, base);
      const gzip = i % 5 === 0;
      if (gzip) body = random() < 0.5 ? gzipSync(body) : mutate(random, gzipSync(base));
      const headers = { ...(i % 2 ? PROTOBUF : JSON_TYPE), ...(gzip ? { "content-encoding": "gzip" } : {}) };
      const response = await post(headers, body);
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      expect([200, 400, 413], `body ${i}`).toContain(response.statusCode);
    }
    expect(statuses.get(400)).toBeGreaterThan(0);
    expect(statuses.get(200)).toBeGreaterThan(0);
    intake.spans.length = 0;
    expect((await post(PROTOBUF, proto)).statusCode).toBe(200);
    expect(intake.spans).toHaveLength(8);
  });
});
