// Accumulates socket chunks for a streaming scanner. Bytes already consumed are dropped on the next
// append. A chunk that lies in memory right after the unconsumed rest (a backend reading into one
// slab) extends it without a copy. While a known-large frame is still arriving, chunks are parked and
// joined once, so a 512 MB bulk string in 64 KB chunks costs one copy, not thousands. Otherwise
// partial frames are joined into a block with spare room that later chunks are copied into, so a
// large aggregate arriving in small reads costs amortized linear copying rather than one full copy
// per read.

const EMPTY = Buffer.alloc(0);

/** Smallest block allocated for joining, so a trickle of tiny reads does not reallocate every time. */
const MIN_BLOCK = 16 * 1024;

export class ChunkBuffer {
  /** Current contiguous bytes; valid from `pos` on. */
  buf: Buffer = EMPTY;
  pos = 0;
  /** Byte length `buf` must reach (counted from its start) before scanning can progress; 0 if unknown. */
  need = 0;
  private parked: Buffer[] = [];
  private parkedLength = 0;
  /**
   * Block whose start `buf` is a view of when bytes were joined; room after `buf`'s end is free. Bytes
   * inside `buf` may belong to frames already handed out, so they are never rewritten.
   */
  private block: Buffer = EMPTY;

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const buf = this.buf;
    if (
      this.parkedLength === 0 &&
      chunk.buffer === buf.buffer &&
      chunk.byteOffset === buf.byteOffset + buf.length &&
      this.pos < buf.length
    ) {
      // The chunk was read into memory right after the rest (a backend's read slab): one view spans
      // both, no copy. The room after it is the reader's, so it is not ours to join into.
      this.buf = Buffer.from(buf.buffer, buf.byteOffset, buf.length + chunk.length);
      this.block = EMPTY;
      return;
    }
    if (this.need > 0 && this.buf.length + this.parkedLength + chunk.length < this.need) {
      this.parked.push(chunk);
      this.parkedLength += chunk.length;
      return;
    }
    const restLength = this.buf.length - this.pos;
    if (restLength === 0 && this.parkedLength === 0) {
      this.buf = chunk;
      this.block = EMPTY;
      this.need = 0;
      this.pos = 0;
      return;
    }
    const end = this.buf.length;
    const incoming = this.parkedLength + chunk.length;
    if (this.block !== EMPTY && this.block.length - end >= incoming) {
      // `buf` keeps its start, so `pos` and `need` stay valid.
      let at = end;
      for (const p of this.parked) at += p.copy(this.block, at);
      chunk.copy(this.block, at);
      this.buf = this.block.subarray(0, end + incoming);
      this.parked.length = 0;
      this.parkedLength = 0;
      return;
    }
    const total = restLength + incoming;
    // When new bytes dominate (a large payload that was parked, or a read after a small remainder) the
    // join is sized exactly, so a 512 MB bulk does not cost 1 GB; such a join copies at most twice
    // what arrived. Otherwise the rest is growing, so room is doubled and copying stays amortized linear.
    const size = incoming >= restLength ? total : Math.max(total * 2, MIN_BLOCK);
    const block = Buffer.allocUnsafe(size);
    let at = this.buf.copy(block, 0, this.pos);
    for (const p of this.parked) at += p.copy(block, at);
    chunk.copy(block, at);
    this.block = block;
    this.buf = block.subarray(0, total);
    if (this.need > 0) this.need -= this.pos;
    this.pos = 0;
    this.parked.length = 0;
    this.parkedLength = 0;
  }

  /** Whether scanning should wait for more bytes. */
  get waiting(): boolean {
    return this.parkedLength > 0 || (this.need > 0 && this.buf.length < this.need);
  }

  get buffered(): number {
    return this.buf.length - this.pos + this.parkedLength;
  }

  /**
   * Lets go of the bytes once every one of them has been consumed, so a connection that goes quiet
   * holds no block and pins no shared allocation pool slab (frames handed out keep their own views).
   */
  releaseIfConsumed(): void {
    if (this.pos >= this.buf.length && this.parkedLength === 0) this.reset();
  }

  reset(): void {
    this.buf = EMPTY;
    this.pos = 0;
    this.need = 0;
    this.parked.length = 0;
    this.parkedLength = 0;
    this.block = EMPTY;
  }
}
