// Streaming parser for client requests: RESP multibulk arrays of bulk strings and inline commands,
// with Redis's own rules and error wording (networking.c). Arguments are slices of the received
// bytes and `raw` is the exact frame, so an unchanged command is forwarded without re-encoding.

import { ChunkBuffer } from './chunk-buffer.js';
import { ProtocolError } from './protocol-error.js';
import { DEFAULT_LIMITS, type RespLimits } from './resp-scanner.js';

export interface ParsedRequest {
  /** Command name and arguments, binary-safe. */
  readonly args: Buffer[];
  /** The request exactly as received when it was a multibulk frame; null for inline commands. */
  readonly raw: Buffer | null;
}

const CR = 13;
const LF = 10;
const STAR = 0x2a;
const DOLLAR = 0x24;
/** Redis's PROTO_INLINE_MAX_SIZE: an inline request or a length line may not exceed 64 KB. */
const INLINE_MAX = 64 * 1024;
/** Redis rejects multibulk counts above INT_MAX whatever else is configured. */
const INT_MAX = 2 ** 31 - 1;
/** Returned internally for `*0`, `*-1` and blank lines, which are skipped. */
const EMPTY_REQUEST: ParsedRequest = Object.freeze({ args: [], raw: null });

export class RequestParser {
  private readonly chunks = new ChunkBuffer();
  /**
   * A multibulk that is partly received: arguments it announced (-1 when none is in progress), the
   * offset from its start where scanning resumes, and each received argument's payload bounds as
   * offsets from its start. Offsets survive the buffer being compacted; resuming keeps a command
   * with many arguments arriving in many reads from being rescanned from its start on every read.
   */
  private expected = -1;
  private scanned = 0;
  private readonly bounds: number[] = [];

  constructor(private readonly limits: RespLimits = DEFAULT_LIMITS) {}

  push(chunk: Buffer): void {
    this.chunks.append(chunk);
  }

  /** Bytes received and not yet returned as requests. */
  get buffered(): number {
    return this.chunks.buffered;
  }

  /**
   * The next complete request, or null when more bytes are needed. Throws ProtocolError, after which
   * the connection should be closed, as Redis does.
   */
  next(): ParsedRequest | null {
    const c = this.chunks;
    for (;;) {
      if (c.waiting) return null;
      if (c.pos >= c.buf.length) {
        c.releaseIfConsumed();
        return null;
      }
      const start = c.pos;
      const result = c.buf[start] === STAR ? this.scanMultibulk(c.buf, start) : this.scanInline(c.buf, start);
      if (result === null) return null;
      if (result.args.length > 0) return result;
      // Empty requests (`*0`, `*-1`, blank inline lines) are skipped, as Redis does.
    }
  }

  private scanMultibulk(buf: Buffer, start: number): ParsedRequest | null {
    const c = this.chunks;
    if (this.expected < 0) {
      const countEnd = lineEnd(buf, start, 'TOO_BIG_MBULK_COUNT', 'too big mbulk count string');
      if (countEnd === -1) return null;
      const count = parseRedisInteger(buf, start + 1, countEnd);
      if (Number.isNaN(count) || count > INT_MAX || count > this.limits.maxArrayLength) {
        throw new ProtocolError('INVALID_MULTIBULK_LENGTH', 'invalid multibulk length');
      }
      if (count <= 0) {
        c.pos = countEnd + 2;
        return EMPTY_REQUEST;
      }
      this.expected = count;
      this.scanned = countEnd + 2 - start;
      this.bounds.length = 0;
    }
    const bounds = this.bounds;
    let pos = start + this.scanned;
    while (bounds.length < this.expected * 2) {
      // Like Redis, find the whole length line before judging its first byte.
      const lenEnd =
        pos < buf.length ? lineEnd(buf, pos, 'TOO_BIG_BULK_COUNT', 'too big bulk count string') : -1;
      if (lenEnd === -1) {
        this.scanned = pos - start;
        return null;
      }
      if (buf[pos] !== DOLLAR) {
        // Redis replaces CR and LF in error text with spaces so the reply stays one line.
        const got = buf[pos] === CR || buf[pos] === LF ? ' ' : String.fromCharCode(buf[pos]!);
        throw new ProtocolError('EXPECTED_BULK', `expected '$', got '${got}'`);
      }
      const len = parseRedisInteger(buf, pos + 1, lenEnd);
      if (Number.isNaN(len) || len < 0 || len > this.limits.maxBulkLength) {
        throw new ProtocolError('INVALID_BULK_LENGTH', 'invalid bulk length');
      }
      const dataStart = lenEnd + 2;
      const dataEnd = dataStart + len;
      if (dataEnd + 2 > buf.length) {
        this.scanned = pos - start;
        c.need = dataEnd + 2;
        return null;
      }
      if (buf[dataEnd] !== CR || buf[dataEnd + 1] !== LF) {
        throw new ProtocolError('MISSING_CRLF', 'expected CRLF after bulk payload');
      }
      bounds.push(dataStart - start, dataEnd - start);
      pos = dataEnd + 2;
    }
    const args: Buffer[] = new Array(this.expected);
    for (let i = 0; i < this.expected; i++) {
      args[i] = buf.subarray(start + bounds[2 * i]!, start + bounds[2 * i + 1]!);
    }
    this.expected = -1;
    this.scanned = 0;
    c.pos = pos;
    c.need = 0;
    return { args, raw: buf.subarray(start, pos) };
  }

  private scanInline(buf: Buffer, start: number): ParsedRequest | null {
    const nl = buf.indexOf(LF, start);
    if (nl === -1) {
      if (buf.length - start > INLINE_MAX)
        throw new ProtocolError('TOO_BIG_INLINE', 'too big inline request');
      return null;
    }
    const end = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
    const args = splitInlineArgs(buf.subarray(start, end));
    this.chunks.pos = nl + 1;
    return args.length > 0 ? { args, raw: null } : EMPTY_REQUEST;
  }
}

/**
 * Offset of the CR ending the length line whose type byte is at `typePos`, or -1 to wait for more.
 * As in Redis, only a pending line with no CR at all is measured against PROTO_INLINE_MAX_SIZE, type
 * byte included; the CR itself may arrive before the LF Redis never checks.
 */
function lineEnd(
  buf: Buffer,
  typePos: number,
  code: 'TOO_BIG_MBULK_COUNT' | 'TOO_BIG_BULK_COUNT',
  detail: string,
): number {
  const cr = buf.indexOf(CR, typePos);
  if (cr === -1) {
    if (buf.length - typePos > INLINE_MAX) throw new ProtocolError(code, detail);
    return -1;
  }
  return cr + 1 < buf.length ? cr : -1;
}

/** LLONG_MAX's digits, and LLONG_MIN's magnitude, for the 19-digit overflow check. */
const INT64_MAX_DIGITS = Buffer.from('9223372036854775807', 'latin1');
const INT64_MIN_DIGITS = Buffer.from('9223372036854775808', 'latin1');

/**
 * Redis's string2ll: an optional '-', then digits without a leading zero (or a lone "0"), within
 * int64. NaN where Redis would refuse the number, so `*01`, `*+1`, `*-0` and `$ 1` get Redis's own
 * errors. Magnitudes beyond 2^53 lose precision, which is harmless: callers only compare them against
 * limits far smaller.
 */
function parseRedisInteger(buf: Buffer, start: number, end: number): number {
  const negative = buf[start] === 0x2d;
  const first = negative ? start + 1 : start;
  const digits = end - first;
  if (digits <= 0 || digits > 19) return Number.NaN;
  if (buf[first] === 0x30) return digits === 1 && !negative ? 0 : Number.NaN;
  let n = 0;
  for (let i = first; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  if (digits === 19 && buf.compare(negative ? INT64_MIN_DIGITS : INT64_MAX_DIGITS, 0, 19, first, end) > 0) {
    return Number.NaN;
  }
  return negative ? -n : n;
}

/**
 * Splits an inline command line like Redis's sdssplitargs: whitespace-separated words, "double
 * quotes" with \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' with \' only. A closing quote
 * must be followed by whitespace or the end of the line.
 */
export function splitInlineArgs(line: Buffer): Buffer[] {
  const args: Buffer[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line[i]!)) i++;
    if (i >= n) return args;
    const bytes: number[] = [];
    let inDouble = false;
    let inSingle = false;
    for (;;) {
      const ch = line[i];
      if (inDouble) {
        if (ch === undefined) throw unbalanced();
        if (ch === 0x5c && line[i + 1] === 0x78 && isHex(line[i + 2]) && isHex(line[i + 3])) {
          bytes.push(Number.parseInt(String.fromCharCode(line[i + 2]!, line[i + 3]!), 16));
          i += 3;
        } else if (ch === 0x5c && i + 1 < n) {
          i++;
          bytes.push(escapedByte(line[i]!));
        } else if (ch === 0x22) {
          if (i + 1 < n && !isSpace(line[i + 1]!)) throw unbalanced();
          i++;
          break;
        } else {
          bytes.push(ch);
        }
      } else if (inSingle) {
        if (ch === undefined) throw unbalanced();
        if (ch === 0x5c && line[i + 1] === 0x27) {
          i++;
          bytes.push(0x27);
        } else if (ch === 0x27) {
          if (i + 1 < n && !isSpace(line[i + 1]!)) throw unbalanced();
          i++;
          break;
        } else {
          bytes.push(ch);
        }
      } else {
        // Unlike the blank-skipping above, only these end an unquoted word (\v and \f do not).
        if (ch === undefined || ch === 0x20 || ch === 0x0a || ch === 0x0d || ch === 0x09) break;
        if (ch === 0x22) inDouble = true;
        else if (ch === 0x27) inSingle = true;
        else bytes.push(ch);
      }
      i++;
    }
    args.push(Buffer.from(bytes));
  }
}

function unbalanced(): ProtocolError {
  return new ProtocolError('UNBALANCED_QUOTES', 'unbalanced quotes in request');
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102));
}

function escapedByte(c: number): number {
  switch (c) {
    case 0x6e:
      return 0x0a;
    case 0x72:
      return 0x0d;
    case 0x74:
      return 0x09;
    case 0x62:
      return 0x08;
    case 0x61:
      return 0x07;
    default:
      return c;
  }
}
