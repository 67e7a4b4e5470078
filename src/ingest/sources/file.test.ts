import { describe, expect, it } from "vitest";
import { classify } from "./file.ts";

describe("telling a file's format from its first bytes", () => {
  it("takes a protobuf message whose first record is 123 bytes long for protobuf, not JSON after a newline", () => {
    // ResourceSpans(123 bytes) { Resource { KeyValue { "service.name": "a" × 101 } } }
    const head = Buffer.concat([
      Buffer.from([0x0a, 123, 0x0a, 121, 0x0a, 119, 0x0a, 12]),
      Buffer.from("service.name"),
      Buffer.from([0x12, 103, 0x0a, 101]),
      Buffer.alloc(101, 0x61),
    ]);
    expect(classify(head)).toBe("otlp-proto");
  });

  it("takes JSON after blank lines for JSON, lines or document", () => {
    expect(classify(Buffer.from('\n\n{"resourceSpans": []}\n{"resourceSpans": []}\n'))).toBe("json-lines");
    expect(classify(Buffer.from('\n{\n  "resourceSpans": [\n'))).toBe("json-document");
  });

  it("takes a line that does not end within the sniff window for a JSON line, not a document to stream", () => {
    expect(classify(Buffer.from('{"resourceSpans": [{"scopeSpans": ['), false)).toBe("json-lines");
  });

  it("takes whitespace alone for an empty file and anything else for unknown", () => {
    expect(classify(Buffer.from(" \n\t\n"))).toBe("empty");
    expect(classify(Buffer.from("hello"))).toBe("unknown");
  });
});
