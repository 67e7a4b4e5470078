/**
 * Pulls bytes from an async iterable of chunks on demand and keeps only the bytes not yet consumed,
 * so a file of any size is read with memory bounded by the largest element asked for at once.
 */
export class ByteSource {
  private readonly chunks: Buffer[] = [];
  /** Read position inside `chunks[0]`. */
  private head = 0;
  private ended = false;
  /** Bytes held and not yet consumed. */
  available = 0;
  /** Stream offset of the next unconsumed byte. */
  offset = 0;

  constructor(private readonly source: AsyncIterator<Buffer | Uint8Array | string>) {}

  /** Holds at least `n` bytes unless the stream ends first; says whether it does. */
  async fill(n: number): Promise<boolean> {
    while (this.available < n && !this.ended) {
      const next = await this.source.next();
      if (next.done) this.ended = true;
      else if (next.value.length > 0) {
        const chunk =
          typeof next.value === "string"
            ? Buffer.from(next.value)
            : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.length);
        this.chunks.push(chunk);
        this.available += chunk.length;
      }
    }
    return this.available >= n;
  }

  /** Up to `n` held bytes, without consuming them; copied only when they straddle chunks. */
  peek(n: number): Buffer {
    const size = Math.min(n, this.available);
    const first = this.chunks[0];
    if (size === 0) return Buffer.alloc(0);
    if (first.length - this.head >= size) return first.subarray(this.head, this.head + size);
    const out = Buffer.allocUnsafe(size);
    let copied = 0;
    for (let i = 0; copied < size; i++) {
      const from = i === 0 ? this.head : 0;
      copied += this.chunks[i].copy(out, copied, from, Math.min(this.chunks[i].length, from + size - copied));
    }
    return out;
  }

  /** Consumes `n` held bytes. */
  consume(n: number): void {
    this.available -= n;
    this.offset += n;
    let left = n;
    let drop = 0;
    let head = this.head;
    while (left > 0) {
      const rest = this.chunks[drop].length - head;
      if (rest > left) {
        head += left;
        break;
      }
      left -= rest;
      drop++;
      head = 0;
    }
    if (drop > 0) this.chunks.splice(0, drop);
    this.head = head;
  }

  /** Consumes `n` held bytes and returns them. */
  take(n: number): Buffer {
    const out = this.peek(n);
    this.consume(n);
    return out;
  }

  /** Consumes `n` bytes without holding them all at once; false when the stream ends first. */
  async skip(n: number): Promise<boolean> {
    let left = n;
    while (left > 0) {
      if (this.available === 0 && !(await this.fill(1))) return false;
      const step = Math.min(left, this.available);
      this.consume(step);
      left -= step;
    }
    return true;
  }
}
