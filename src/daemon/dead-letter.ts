/**
 * Poison records (undecodable, empty, oversized) go to a dead-letter topic, unchanged, with headers
 * that say where they came from and why, so an operator can inspect and replay them. Sends do not
 * block the partition: they run in the background and are awaited only before the next checkpoint,
 * so a record is dead-lettered before the offsets move past it. A send that fails after kafkajs's
 * retries is counted (NF_DEAD_LETTER_FAILED) and the record is left behind, never retried forever.
 */
import type { IHeaders, Producer } from "kafkajs";
import type { ErrorCode } from "../errors.ts";

/** The header names, under one prefix so they cannot collide with the collector's own headers. */
export const DEAD_LETTER_HEADERS = {
  topic: "nanofuse.source.topic",
  partition: "nanofuse.source.partition",
  offset: "nanofuse.source.offset",
  reason: "nanofuse.reason",
  detail: "nanofuse.detail",
  /** "true" when the value was too large for the dead-letter topic and was left out. */
  valueDropped: "nanofuse.value-dropped",
} as const;

export interface PoisonRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  reason: ErrorCode;
  detail: string;
}

export class DeadLetters {
  private readonly inFlight = new Set<Promise<void>>();
  sent = 0;
  failed = 0;

  constructor(
    private readonly producer: Producer,
    readonly topic: string,
    private readonly onFailed: (record: PoisonRecord, error: Error) => void,
  ) {}

  send(record: PoisonRecord): void {
    const job = this.deliver(record).finally(() => this.inFlight.delete(job));
    this.inFlight.add(job);
  }

  /** Resolves once every send started so far has been written or given up on. */
  async settle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  private async deliver(record: PoisonRecord): Promise<void> {
    const headers: IHeaders = {
      [DEAD_LETTER_HEADERS.topic]: record.topic,
      [DEAD_LETTER_HEADERS.partition]: String(record.partition),
      [DEAD_LETTER_HEADERS.offset]: record.offset,
      [DEAD_LETTER_HEADERS.reason]: record.reason,
      [DEAD_LETTER_HEADERS.detail]: record.detail.slice(0, 1000),
    };
    try {
      try {
        await this.producer.send({
          topic: this.topic,
          messages: [{ key: record.key, value: record.value, headers }],
        });
      } catch (error) {
        if ((error as { type?: string }).type !== "MESSAGE_TOO_LARGE") throw error;
        headers[DEAD_LETTER_HEADERS.valueDropped] = "true";
        await this.producer.send({
          topic: this.topic,
          messages: [{ key: record.key, value: null, headers }],
        });
      }
      this.sent++;
    } catch (error) {
      this.failed++;
      this.onFailed(record, error as Error);
    }
  }
}
