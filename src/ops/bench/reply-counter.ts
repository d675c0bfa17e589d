// Counts complete RESP replies in a byte stream without decoding or copying them: the load generator
// only needs to know how many replies arrived (and how many were errors), never their values. A
// state machine over chunks, so a reply may be split anywhere; bulk payloads are skipped whole.

/** Expecting the type byte of the next value. */
const TYPE = 0;
/** Inside a `+` / `-` line, waiting for its LF. */
const LINE = 1;
/** Inside a `:`, `$` or `*` header, reading its integer. */
const HEADER = 2;
/** Skipping a bulk payload and its CRLF. */
const PAYLOAD = 3;

const LF = 0x0a;
const CR = 0x0d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

export class ReplyProtocolError extends Error {
  override readonly name = 'ReplyProtocolError';
}

export class ReplyCounter {
  private state: number = TYPE;
  private type = 0;
  private value = 0;
  private negative = false;
  private skip = 0;
  /** Elements still expected by each open aggregate, innermost last. */
  private readonly open: number[] = [];
  /** Error replies seen (top level or nested). */
  errors = 0;

  /** Feeds bytes; returns how many top-level replies they completed. */
  feed(buf: Uint8Array): number {
    let completed = 0;
    let i = 0;
    const n = buf.length;
    while (i < n) {
      switch (this.state) {
        case TYPE: {
          const t = buf[i++]!;
          this.type = t;
          if (t === 0x2b || t === MINUS) {
            if (t === MINUS) this.errors++;
            this.state = LINE;
          } else if (t === 0x3a || t === 0x24 || t === 0x2a) {
            this.value = 0;
            this.negative = false;
            this.state = HEADER;
          } else {
            throw new ReplyProtocolError(`unexpected RESP type byte 0x${t.toString(16)}`);
          }
          break;
        }
        case LINE: {
          const lf = buf.indexOf(LF, i);
          if (lf === -1) {
            i = n;
          } else {
            i = lf + 1;
            this.state = TYPE;
            completed += this.valueDone();
          }
          break;
        }
        case HEADER: {
          const c = buf[i++]!;
          if (c >= ZERO && c <= NINE) this.value = this.value * 10 + (c - ZERO);
          else if (c === MINUS) this.negative = true;
          else if (c === LF) completed += this.headerDone();
          else if (c !== CR) throw new ReplyProtocolError(`unexpected byte 0x${c.toString(16)} in a header`);
          break;
        }
        case PAYLOAD: {
          const take = Math.min(this.skip, n - i);
          i += take;
          this.skip -= take;
          if (this.skip === 0) {
            this.state = TYPE;
            completed += this.valueDone();
          }
          break;
        }
      }
    }
    return completed;
  }

  private headerDone(): number {
    this.state = TYPE;
    const length = this.negative ? -this.value : this.value;
    if (this.type === 0x24 && length >= 0) {
      this.skip = length + 2;
      this.state = PAYLOAD;
      return 0;
    }
    if (this.type === 0x2a && length > 0) {
      this.open.push(length);
      return 0;
    }
    return this.valueDone();
  }

  /** A value ended: close every aggregate it completes; 1 when a top-level reply is complete. */
  private valueDone(): number {
    const open = this.open;
    while (open.length > 0) {
      const last = open.length - 1;
      const left = open[last]! - 1;
      if (left > 0) {
        open[last] = left;
        return 0;
      }
      open.pop();
    }
    return 1;
  }
}
