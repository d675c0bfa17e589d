// Streaming reader for a backend connection: splits the byte stream into complete reply frames and
// hands each one out as a slice of the received bytes, so replies can be forwarded without being
// decoded and re-encoded. Callers decode only the frames they must inspect (decodeFrame).

import { ChunkBuffer } from './chunk-buffer.js';
import { DEFAULT_LIMITS, FrameSkipper, INCOMPLETE, type RespLimits } from './resp-scanner.js';

export class ReplyReader {
  private readonly chunks = new ChunkBuffer();
  private readonly skipper: FrameSkipper;

  constructor(limits: RespLimits = DEFAULT_LIMITS) {
    this.skipper = new FrameSkipper(limits);
  }

  push(chunk: Buffer): void {
    this.chunks.append(chunk);
  }

  /**
   * The next complete frame as a byte slice, or null when more bytes are needed. Throws ProtocolError,
   * after which the stream is unusable until reset().
   */
  next(): Buffer | null {
    const c = this.chunks;
    if (c.waiting || c.pos >= c.buf.length) return null;
    const end = this.skipper.skip(c.buf, c.pos);
    if (end === INCOMPLETE) {
      c.need = this.skipper.need;
      return null;
    }
    const frame = c.buf.subarray(c.pos, end);
    c.pos = end;
    c.need = 0;
    return frame;
  }

  get buffered(): number {
    return this.chunks.buffered;
  }

  /** Lets go of the received bytes once all were handed out (frames keep their own views). */
  releaseIfConsumed(): void {
    this.chunks.releaseIfConsumed();
  }

  reset(): void {
    this.chunks.reset();
    this.skipper.reset();
  }
}
