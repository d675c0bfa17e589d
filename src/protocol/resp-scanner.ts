// The RESP frame scanner: finds where one complete RESP2/RESP3 frame ends in a Buffer, optionally
// building its value. Skip mode allocates nothing, so replies that are forwarded unchanged cost one
// pass over their bytes. Returns INCOMPLETE when more bytes are needed, throws ProtocolError on
// a violation.

import { ProtocolError } from './protocol-error.js';
import type { RespValue } from './resp-value.js';

export const INCOMPLETE = -1;

export interface RespLimits {
  /** Largest bulk string payload accepted (Redis's proto-max-bulk-len, 512 MB by default). */
  maxBulkLength: number;
  /** Largest element count of one aggregate. */
  maxArrayLength: number;
  /** Deepest nesting of aggregates. */
  maxDepth: number;
  /** Longest type line (length prefix, simple string, integer) before the CRLF. */
  maxLineLength: number;
}

export const DEFAULT_LIMITS: Readonly<RespLimits> = Object.freeze({
  maxBulkLength: 512 * 1024 * 1024,
  maxArrayLength: 2 ** 31 - 1,
  maxDepth: 128,
  maxLineLength: 64 * 1024,
});

const CR = 13;
const LF = 10;

/** Bytes that can start a frame; anything else is rejected at once instead of after a line end. */
const FRAME_TYPES = new Uint8Array(256);
for (const c of '+-:$!=*~>%|_#,(') FRAME_TYPES[c.charCodeAt(0)] = 1;

/**
 * Scanning state shared by the functions below. `need` reports, when a scan is INCOMPLETE, the
 * total byte length the buffer must reach for the scan to progress; 0 when unknown. Streaming
 * readers use it to avoid rescanning a large bulk string on every chunk.
 */
export interface ScanResult {
  value: RespValue | undefined;
  need: number;
}

/**
 * Scans one frame starting at `pos`. Returns the offset just past it, or INCOMPLETE. With `build`,
 * `out.value` receives the decoded value.
 */
export function scanFrame(
  buf: Buffer,
  pos: number,
  limits: RespLimits,
  build: boolean,
  out: ScanResult,
  depth = 0,
): number {
  out.need = 0;
  if (pos >= buf.length) return INCOMPLETE;
  const type = buf[pos]!;
  if (FRAME_TYPES[type] === 0) throw invalidType(type);
  const lineEnd = findLineEnd(buf, pos + 1, limits);
  if (lineEnd === INCOMPLETE) return INCOMPLETE;
  const next = lineEnd + 2;
  switch (type) {
    case 0x2b /* + */:
      if (build) out.value = { type: 'simple', value: buf.toString('utf8', pos + 1, lineEnd) };
      return next;
    case 0x2d /* - */:
      if (build) out.value = { type: 'error', value: buf.toString('utf8', pos + 1, lineEnd) };
      return next;
    case 0x3a /* : */:
      {
        const value = parseInteger(buf, pos + 1, lineEnd, build);
        if (build) out.value = { type: 'integer', value };
        return next;
      }
    case 0x24 /* $ */:
    case 0x21 /* ! */:
    case 0x3d /* = */:
      {
        const len = parseLength(buf, pos + 1, lineEnd, 'bulk');
        if (len === -1 && type === 0x24) {
          if (build) out.value = { type: 'null', form: 'bulk' };
          return next;
        }
        if (len < 0 || len > limits.maxBulkLength) {
          throw new ProtocolError('INVALID_BULK_LENGTH', 'invalid bulk length');
        }
        const end = next + len;
        if (end + 2 > buf.length) {
          out.need = end + 2;
          return INCOMPLETE;
        }
        if (buf[end] !== CR || buf[end + 1] !== LF) {
          throw new ProtocolError('MISSING_CRLF', 'expected CRLF after bulk payload');
        }
        // Checked in skip mode too, so a frame the reader hands out always decodes.
        if (type === 0x3d && (len < 4 || buf[next + 3] !== 0x3a)) {
          throw new ProtocolError('INVALID_TYPE_BYTE', 'invalid verbatim string, expected fmt:text');
        }
        if (build) out.value = buildBlob(type, buf, next, end);
        return end + 2;
      }
    case 0x2a /* * */:
    case 0x7e /* ~ */:
    case 0x3e /* > */:
      {
        const count = aggregateCount(buf, pos, lineEnd, limits);
        if (count === -1) {
          if (build) out.value = { type: 'null', form: 'array' };
          return next;
        }
        return scanAggregate(buf, next, count, type, limits, build, out, depth);
      }
    case 0x25 /* % */:
    case 0x7c /* | */:
      return scanPairs(buf, next, aggregateCount(buf, pos, lineEnd, limits), type, limits, build, out, depth);
    case 0x5f /* _ */:
      if (lineEnd !== pos + 1)
        throw new ProtocolError('INVALID_TYPE_BYTE', "invalid null, expected '_\\r\\n'");
      if (build) out.value = { type: 'null', form: 'resp3' };
      return next;
    case 0x23 /* # */:
      {
        const flag = lineEnd === pos + 2 ? buf[pos + 1] : -1;
        if (flag !== 0x74 && flag !== 0x66)
          throw new ProtocolError('INVALID_BOOLEAN', 'invalid boolean, expected t or f');
        if (build) out.value = { type: 'boolean', value: flag === 0x74 };
        return next;
      }
    case 0x2c /* , */:
      {
        if (!isDouble(buf, pos + 1, lineEnd)) throw new ProtocolError('INVALID_DOUBLE', 'invalid double');
        if (build) {
          const raw = buf.toString('latin1', pos + 1, lineEnd);
          out.value = { type: 'double', value: doubleValue(raw), raw };
        }
        return next;
      }
    case 0x28 /* ( */:
      {
        if (!isDecimal(buf, pos + 1, lineEnd))
          throw new ProtocolError('INVALID_INTEGER', 'invalid big number');
        if (build) out.value = { type: 'bignum', value: BigInt(buf.toString('latin1', pos + 1, lineEnd)) };
        return next;
      }
    default:
      throw invalidType(type);
  }
}

function invalidType(type: number): ProtocolError {
  return new ProtocolError('INVALID_TYPE_BYTE', `invalid type byte '${printable(type)}'`);
}

/**
 * Element count announced by the aggregate header at `pos` (pairs for maps and attributes), or -1
 * for the RESP2 null array `*-1`.
 */
function aggregateCount(buf: Buffer, pos: number, lineEnd: number, limits: RespLimits): number {
  const count = parseLength(buf, pos + 1, lineEnd, 'multibulk');
  if (count === -1 && buf[pos] === 0x2a) return -1;
  if (count < 0 || count > limits.maxArrayLength) {
    throw new ProtocolError('INVALID_MULTIBULK_LENGTH', 'invalid multibulk length');
  }
  return count;
}

function scanAggregate(
  buf: Buffer,
  pos: number,
  count: number,
  type: number,
  limits: RespLimits,
  build: boolean,
  out: ScanResult,
  depth: number,
): number {
  if (depth + 1 > limits.maxDepth) throw new ProtocolError('TOO_DEEP', 'too many nested aggregates');
  const items: RespValue[] | undefined = build ? new Array(count) : undefined;
  for (let i = 0; i < count; i++) {
    pos = scanFrame(buf, pos, limits, build, out, depth + 1);
    if (pos === INCOMPLETE) return INCOMPLETE;
    if (items) items[i] = out.value!;
  }
  if (items) {
    out.value =
      type === 0x2a
        ? { type: 'array', value: items }
        : type === 0x7e
          ? { type: 'set', value: items }
          : { type: 'push', value: items };
  }
  return pos;
}

function scanPairs(
  buf: Buffer,
  pos: number,
  count: number,
  type: number,
  limits: RespLimits,
  build: boolean,
  out: ScanResult,
  depth: number,
): number {
  if (depth + 1 > limits.maxDepth) throw new ProtocolError('TOO_DEEP', 'too many nested aggregates');
  const pairs: Array<[RespValue, RespValue]> | undefined = build ? new Array(count) : undefined;
  for (let i = 0; i < count; i++) {
    pos = scanFrame(buf, pos, limits, build, out, depth + 1);
    if (pos === INCOMPLETE) return INCOMPLETE;
    const key = out.value;
    pos = scanFrame(buf, pos, limits, build, out, depth + 1);
    if (pos === INCOMPLETE) return INCOMPLETE;
    if (pairs) pairs[i] = [key!, out.value!];
  }
  if (type === 0x25) {
    if (pairs) out.value = { type: 'map', value: pairs };
    return pos;
  }
  // An attribute is metadata in front of the value it describes; both form one frame.
  pos = scanFrame(buf, pos, limits, build, out, depth + 1);
  if (pos === INCOMPLETE) return INCOMPLETE;
  if (pairs) out.value = { type: 'attribute', attributes: pairs, value: out.value! };
  return pos;
}

function buildBlob(type: number, buf: Buffer, start: number, end: number): RespValue {
  if (type === 0x24) return { type: 'bulk', value: buf.subarray(start, end) };
  if (type === 0x21) return { type: 'blobError', value: buf.subarray(start, end) };
  // Verbatim strings carry a three-byte format and a colon (checked by the caller) before the text.
  return {
    type: 'verbatim',
    format: buf.toString('latin1', start, start + 3),
    value: buf.subarray(start + 4, end),
  };
}

/** Offset of the CR of the line starting at `from`, or INCOMPLETE. */
export function findLineEnd(buf: Buffer, from: number, limits: RespLimits): number {
  const cr = buf.indexOf(CR, from);
  // The limit applies to the line itself, so the verdict does not depend on how bytes were split.
  if (cr === -1) {
    if (buf.length - from > limits.maxLineLength) throw tooBigLine();
    return INCOMPLETE;
  }
  if (cr - from > limits.maxLineLength) throw tooBigLine();
  if (cr + 1 >= buf.length) return INCOMPLETE;
  if (buf[cr + 1] !== LF) throw new ProtocolError('MISSING_CRLF', 'expected LF after CR');
  return cr;
}

function tooBigLine(): ProtocolError {
  return new ProtocolError('TOO_BIG_LINE', 'too big line');
}

/**
 * Parses a length prefix (`-1` allowed). Redis's wording for a bad one is "invalid bulk length" or
 * "invalid multibulk length".
 */
export function parseLength(buf: Buffer, start: number, end: number, kind: 'bulk' | 'multibulk'): number {
  if (end - start === 2 && buf[start] === 0x2d && buf[start + 1] === 0x31) return -1;
  if (end === start || end - start > 12) throw lengthError(kind);
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) throw lengthError(kind);
    n = n * 10 + c;
  }
  return n;
}

function lengthError(kind: 'bulk' | 'multibulk'): ProtocolError {
  return kind === 'bulk'
    ? new ProtocolError('INVALID_BULK_LENGTH', 'invalid bulk length')
    : new ProtocolError('INVALID_MULTIBULK_LENGTH', 'invalid multibulk length');
}

/** Validates an integer line; its value is computed only when `build` (skip mode allocates nothing). */
function parseInteger(buf: Buffer, start: number, end: number, build: boolean): number | bigint {
  let i = start;
  let negative = false;
  if (buf[i] === 0x2d || buf[i] === 0x2b) {
    negative = buf[i] === 0x2d;
    i++;
  }
  if (i === end || end - i > 20) throw new ProtocolError('INVALID_INTEGER', 'invalid integer');
  let n = 0;
  for (let j = i; j < end; j++) {
    const c = buf[j]! - 48;
    if (c < 0 || c > 9) throw new ProtocolError('INVALID_INTEGER', 'invalid integer');
    n = n * 10 + c;
  }
  // `:-0` is zero: integers have no negative zero, and -0 would not compare equal to 0.
  if (n <= Number.MAX_SAFE_INTEGER) return negative && n !== 0 ? -n : n;
  if (!build) return 0;
  const big = BigInt(buf.toString('latin1', i, end));
  return negative ? -big : big;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** `[+-]?digits`, as RESP3 big numbers are spelled. */
function isDecimal(buf: Buffer, start: number, end: number): boolean {
  let i = start;
  if (buf[i] === 0x2b || buf[i] === 0x2d) i++;
  if (i === end) return false;
  for (; i < end; i++) if (!isDigit(buf[i])) return false;
  return true;
}

/** Lower-case ASCII word at buf[start, end), compared without allocating. */
function isWord(buf: Buffer, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if ((buf[start + i]! | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}

/** `[+-]?inf`, `-?nan` (any case) or `[+-]?(d+.?d*|.d+)([eE][+-]?d+)?`, checked byte by byte. */
function isDouble(buf: Buffer, start: number, end: number): boolean {
  const sign = buf[start] === 0x2b || buf[start] === 0x2d ? buf[start] : 0;
  let i = sign === 0 ? start : start + 1;
  if (isWord(buf, i, end, 'inf')) return true;
  if (isWord(buf, i, end, 'nan')) return sign !== 0x2b;
  let digits = 0;
  for (; i < end && isDigit(buf[i]); i++) digits++;
  if (i < end && buf[i] === 0x2e) {
    for (i++; i < end && isDigit(buf[i]); i++) digits++;
  }
  if (digits === 0) return false;
  if (i < end && (buf[i] === 0x65 || buf[i] === 0x45)) {
    i++;
    if (i < end && (buf[i] === 0x2b || buf[i] === 0x2d)) i++;
    const expStart = i;
    while (i < end && isDigit(buf[i])) i++;
    if (i === expStart) return false;
  }
  return i === end;
}

/** Value of a double already checked by isDouble. */
function doubleValue(raw: string): number {
  const lower = raw.toLowerCase();
  if (lower === 'inf' || lower === '+inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (lower === 'nan' || lower === '-nan') return Number.NaN;
  return Number(raw);
}

function printable(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
}

/** Decodes one complete frame held in `buf` (which must contain exactly that frame or more). */
export function decodeFrame(buf: Buffer, limits: RespLimits = DEFAULT_LIMITS): RespValue {
  const out: ScanResult = { value: undefined, need: 0 };
  const end = scanFrame(buf, 0, limits, true, out);
  if (end === INCOMPLETE) throw new ProtocolError('MISSING_CRLF', 'incomplete frame');
  return out.value!;
}

/**
 * Finds where a frame ends without building it, like scanFrame in skip mode, but iteratively and
 * resumably: when the frame is incomplete it remembers how far it got, so a large aggregate arriving
 * in many reads is scanned once in total rather than from its start on every read. Between calls the
 * caller passes the same frame (its offset may move when the buffer is compacted) until it completes,
 * or calls reset(). Allocates nothing per frame.
 */
export class FrameSkipper {
  /** As ScanResult.need: the length `buf` must reach for the scan to progress; 0 when unknown. */
  need = 0;
  /** Bytes of the current frame already scanned, counted from its start. */
  private scanned = 0;
  /** Elements still expected by each open aggregate, innermost last. */
  private readonly remaining: number[] = [];
  private depth = 0;
  /** Child elements announced by the element just skipped; -1 for a scalar. */
  private children = -1;
  private readonly scalar: ScanResult = { value: undefined, need: 0 };

  constructor(private readonly limits: RespLimits) {}

  /** Offset just past the frame starting at `start`, or INCOMPLETE. Throws ProtocolError. */
  skip(buf: Buffer, start: number): number {
    let pos = start + this.scanned;
    for (;;) {
      const end = this.skipElement(buf, pos);
      if (end === INCOMPLETE) {
        this.scanned = pos - start;
        return INCOMPLETE;
      }
      pos = end;
      if (this.depth > 0) this.remaining[this.depth - 1]! -= 1;
      if (this.children >= 0) {
        // Same rule as scanAggregate/scanPairs: an aggregate at nesting level d needs d + 1 <= maxDepth.
        if (this.depth + 1 > this.limits.maxDepth) {
          throw new ProtocolError('TOO_DEEP', 'too many nested aggregates');
        }
        if (this.children > 0) this.remaining[this.depth++] = this.children;
      }
      while (this.depth > 0 && this.remaining[this.depth - 1] === 0) this.depth--;
      if (this.depth === 0) {
        this.scanned = 0;
        return pos;
      }
    }
  }

  reset(): void {
    this.need = 0;
    this.scanned = 0;
    this.depth = 0;
  }

  /** Skips one scalar, or one aggregate header (setting `children`); INCOMPLETE sets `need`. */
  private skipElement(buf: Buffer, pos: number): number {
    this.need = 0;
    this.children = -1;
    const type = buf[pos];
    if (type === 0x2a || type === 0x7e || type === 0x3e || type === 0x25 || type === 0x7c) {
      const lineEnd = findLineEnd(buf, pos + 1, this.limits);
      if (lineEnd === INCOMPLETE) return INCOMPLETE;
      const count = aggregateCount(buf, pos, lineEnd, this.limits);
      // An attribute is followed by the value it describes, which belongs to the same frame.
      if (count >= 0) this.children = type === 0x25 ? count * 2 : type === 0x7c ? count * 2 + 1 : count;
      return lineEnd + 2;
    }
    const end = scanFrame(buf, pos, this.limits, false, this.scalar);
    if (end === INCOMPLETE) this.need = this.scalar.need;
    return end;
  }
}
