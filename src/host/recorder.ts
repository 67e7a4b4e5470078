/**
 * A SpanExporter that appends one OTLP ExportTraceServiceRequest per line, serialised by
 * @opentelemetry/otlp-transformer's JsonTraceSerializer (the OTLP/HTTP JSON body: hex ids, Unix
 * nanoseconds as decimal strings), which is the Collector file exporter's format and what
 * `nanofuse replay` reads. Writes are chained, so lines keep export order and a flush waits for all.
 */
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

const NEWLINE = new Uint8Array([10]);

export class OtlpJsonLinesExporter implements SpanExporter {
  private tail: Promise<void> = Promise.resolve();
  private handle?: Promise<FileHandle>;
  private closed = false;

  constructor(readonly file: string) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const bytes = this.closed ? undefined : JsonTraceSerializer.serializeRequest(spans);
    if (!bytes) {
      const reason = this.closed ? "exporter is shut down" : "spans could not be serialised";
      done({ code: ExportResultCode.FAILED, error: new Error(reason) });
      return;
    }
    const line = Buffer.concat([bytes, NEWLINE]);
    this.tail = this.tail
      .then(async () => {
        this.handle ??= open(this.file, "a");
        await (await this.handle).appendFile(line);
      })
      .then(
        () => done({ code: ExportResultCode.SUCCESS }),
        (error) => done({ code: ExportResultCode.FAILED, error }),
      );
  }

  forceFlush(): Promise<void> {
    return this.tail;
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    await this.tail;
    if (this.handle) await (await this.handle).close();
  }
}
