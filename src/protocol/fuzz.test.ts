// Seeded fuzzing of both parsers: random and mutated inputs in random chunkings must only ever yield
// frames or a ProtocolError, never another exception or a loop that does not end. The chunked
// result must also match a one-shot parse of the same bytes, so split handling cannot hide a bug.
// Reproduce a failure with FUZZ_SEED=<seed printed below>; FUZZ_INPUTS raises the count.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from './protocol-error.js';
import { ReplyReader } from './reply-reader.js';
import { type ParsedRequest, RequestParser } from './request-parser.js';
import { commandArgs, inlineCommand, respValue } from './resp-arbitraries.test-support.js';
import { encodeCommand, encodeValue } from './resp-encoder.js';
import { DEFAULT_LIMITS, decodeFrame, INCOMPLETE, type ScanResult, scanFrame } from './resp-scanner.js';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const INPUTS = Number(process.env.FUZZ_INPUTS ?? 100_000);

/** mulberry32: small, fast and good enough to drive mutations reproducibly from one seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(SEED);
const int = (n: number): number => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Bytes RESP gives meaning to, so random and flipped bytes often look like framing. */
const ALPHABET = [...bytes('\r\n\r\n$*:+-_#,(!=~>%|0123456789-1 "\'\\xaZ\t\0')];
const TYPE_BYTES = [...bytes('$*:+-_#,(!=~>%|')];
const LENGTHS = [
  '99999999999',
  '2147483647',
  '2147483648',
  '536870912',
  '536870913',
  '-1',
  '-2',
  '-0',
  '01',
  '',
  '+1',
  '18446744073709551616',
  '-9223372036854775809',
  '0',
  '1',
  '3',
].map(bytes);

function randomInput(): Buffer {
  const out = Buffer.alloc(int(64));
  for (let i = 0; i < out.length; i++) out[i] = random() < 0.8 ? pick(ALPHABET) : int(256);
  return out;
}

/** Offsets of digit runs that follow a type byte: the length and count fields worth corrupting. */
function lengthFields(input: Buffer): Array<[number, number]> {
  const fields: Array<[number, number]> = [];
  for (let i = 0; i + 1 < input.length; i++) {
    if (!TYPE_BYTES.includes(input[i]!)) continue;
    let j = i + 1;
    if (input[j] === 0x2d) j++;
    const digits = j;
    while (j < input.length && input[j]! >= 0x30 && input[j]! <= 0x39) j++;
    if (j > digits) fields.push([i + 1, j]);
  }
  return fields;
}

/** Wrappers that nest a frame around the default depth limit of 128. */
const NESTING = [bytes('*1\r\n'), bytes('>1\r\n'), bytes('|0\r\n'), bytes('%1\r\n+k\r\n')];

function mutate(input: Buffer, corpus: readonly Buffer[]): Buffer {
  const at = int(input.length + 1);
  switch (int(11)) {
    case 0: {
      const out = Buffer.from(input);
      if (out.length > 0) out[int(out.length)] = int(256);
      return out;
    }
    case 1: {
      const out = Buffer.from(input);
      if (out.length > 0) out[int(out.length)] = pick(ALPHABET);
      return out;
    }
    case 2:
      return input.subarray(0, at);
    case 3: {
      const from = int(input.length + 1);
      const segment = input.subarray(from, from + 1 + int(32));
      return Buffer.concat([input.subarray(0, at), segment, input.subarray(at)]);
    }
    case 4:
      return Buffer.concat([
        input.subarray(0, at),
        pick([bytes('\r'), bytes('\n'), bytes('\r\n')]),
        input.subarray(at),
      ]);
    case 5:
    case 6: {
      const fields = lengthFields(input);
      if (fields.length === 0) return input;
      const [start, end] = pick(fields);
      return Buffer.concat([input.subarray(0, start), pick(LENGTHS), input.subarray(end)]);
    }
    case 7:
      return Buffer.concat([input.subarray(0, at), input.subarray(at + 1 + int(8))]);
    case 8: {
      const other = pick(corpus);
      return Buffer.concat([input.subarray(0, at), other.subarray(int(other.length + 1))]);
    }
    case 9:
      return Buffer.concat([...Array.from({ length: 120 + int(16) }, () => pick(NESTING)), input]);
    default: {
      const out = Buffer.from(input);
      if (out.length > 0) out[int(out.length)] = pick(TYPE_BYTES);
      return out;
    }
  }
}

/** Random chunk sizes: often single bytes for short inputs, mixed sizes otherwise. */
function chunkSizes(length: number): number[] {
  if (length <= 512 && random() < 0.3) return [1];
  return Array.from({ length: 1 + int(6) }, () => 1 + int(pick([4, 64, 1024])));
}

function* chunksOf(input: Buffer, sizes: readonly number[]): Generator<Buffer> {
  let i = 0;
  for (let pos = 0; pos < input.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield Buffer.from(input.subarray(pos, pos + size));
    pos += size;
  }
}

type Outcome<T> = { items: T[]; error: ProtocolError | null };

class Failure extends Error {}

/** Drains `next` after each chunk; a drain that returns more items than bytes fed cannot be ending. */
function runChunked<T>(
  input: Buffer,
  sizes: readonly number[],
  push: (chunk: Buffer) => void,
  next: () => T | null,
): Outcome<T> {
  const items: T[] = [];
  try {
    for (const chunk of chunksOf(input, sizes)) {
      push(chunk);
      for (let guard = 0; ; guard++) {
        if (guard > input.length + 1) throw new Failure('parse loop did not terminate');
        const item = next();
        if (item === null) break;
        items.push(item);
      }
    }
    return { items, error: null };
  } catch (err) {
    if (err instanceof ProtocolError) return { items, error: err };
    throw err;
  }
}

/** Frames found by one pass of the recursive scanner over the whole input: the reference result. */
function scanWhole(input: Buffer): Outcome<Buffer> {
  const out: ScanResult = { value: undefined, need: 0 };
  const items: Buffer[] = [];
  let pos = 0;
  try {
    while (pos < input.length) {
      const end = scanFrame(input, pos, DEFAULT_LIMITS, false, out);
      if (end === INCOMPLETE) break;
      items.push(input.subarray(pos, end));
      pos = end;
    }
    return { items, error: null };
  } catch (err) {
    if (err instanceof ProtocolError) return { items, error: err };
    throw err;
  }
}

interface Stats {
  frames: number;
  requests: number;
  errors: Map<string, number>;
}

function countError(stats: Stats, side: string, error: ProtocolError | null): void {
  if (!error) return;
  const key = `${side}:${error.code}`;
  stats.errors.set(key, (stats.errors.get(key) ?? 0) + 1);
}

function checkReplies(input: Buffer, stats: Stats): void {
  const sizes = chunkSizes(input.length);
  const reader = new ReplyReader();
  const chunked = runChunked(
    input,
    sizes,
    (c) => reader.push(c),
    () => reader.next(),
  );
  const whole = scanWhole(input);
  if (chunked.items.length !== whole.items.length || chunked.error?.message !== whole.error?.message) {
    throw new Failure(
      `reply split mismatch (chunks ${sizes}): ${chunked.items.length} frames/${chunked.error?.message} vs ` +
        `${whole.items.length}/${whole.error?.message}`,
    );
  }
  let offset = 0;
  for (const [i, frame] of chunked.items.entries()) {
    // Frames tile the input exactly: nothing skipped, nothing shared.
    if (!frame.equals(input.subarray(offset, offset + frame.length)) || !frame.equals(whole.items[i]!)) {
      throw new Failure(`frame ${i} is not the input's bytes at offset ${offset}`);
    }
    offset += frame.length;
    // A frame the reader accepted must decode (ProtocolError here would also fail: it is a mismatch),
    // and the canonical re-encoding must be stable and decodable in both protocols.
    const canonical = encodeValue(decodeFrame(frame), 3);
    if (!encodeValue(decodeFrame(canonical), 3).equals(canonical)) {
      throw new Failure(`frame ${i} does not re-encode stably`);
    }
    decodeFrame(encodeValue(decodeFrame(frame), 2));
  }
  stats.frames += chunked.items.length;
  countError(stats, 'reply', chunked.error);
}

function sameRequest(a: ParsedRequest, b: ParsedRequest): boolean {
  if (a.args.length !== b.args.length) return false;
  if ((a.raw === null) !== (b.raw === null) || (a.raw && b.raw && !a.raw.equals(b.raw))) return false;
  return a.args.every((arg, i) => arg.equals(b.args[i]!));
}

function checkRequests(input: Buffer, stats: Stats): void {
  const sizes = chunkSizes(input.length);
  const parse = (s: readonly number[]): Outcome<ParsedRequest> => {
    const parser = new RequestParser();
    return runChunked(
      input,
      s,
      (c) => parser.push(c),
      () => parser.next(),
    );
  };
  const chunked = parse(sizes);
  const whole = parse([input.length || 1]);
  // Inputs stay far below 64 KB, where Redis's own too-big checks would make errors split-dependent.
  if (
    chunked.items.length !== whole.items.length ||
    chunked.error?.message !== whole.error?.message ||
    !chunked.items.every((r, i) => sameRequest(r, whole.items[i]!))
  ) {
    throw new Failure(
      `request split mismatch (chunks ${sizes}): ${chunked.items.length}/${chunked.error?.message} vs ` +
        `${whole.items.length}/${whole.error?.message}`,
    );
  }
  for (const req of chunked.items) {
    if (req.args.length === 0) throw new Failure('empty request returned');
    if (req.raw && !input.includes(req.raw)) throw new Failure('raw is not a slice of the input');
  }
  stats.requests += chunked.items.length;
  countError(stats, 'request', chunked.error);
}

function buildCorpus(): { replies: Buffer[]; requests: Buffer[] } {
  const values = fc.sample(respValue({ maxDepth: 3 }), { seed: SEED, numRuns: 400 });
  const replies = [
    ...values.map((v) => encodeValue(v, 3)),
    ...values.slice(0, 100).map((v) => encodeValue(v, 2)),
    ...[
      '+OK\r\n',
      '$-1\r\n',
      '*-1\r\n',
      '_\r\n',
      ',inf\r\n',
      '=8\r\ntxt:abcd\r\n',
      '|1\r\n+a\r\n:1\r\n#t\r\n',
    ].map(bytes),
  ];
  const requests = [
    ...fc.sample(commandArgs(), { seed: SEED + 1, numRuns: 300 }).map((args) => encodeCommand(args)),
    ...fc.sample(inlineCommand(), { seed: SEED + 2, numRuns: 200 }).map((c) => c.line),
    ...['*0\r\n', '*-1\r\n', '\r\n', 'PING\r\n', 'set "a b" \'c\'\n'].map(bytes),
  ];
  return { replies, requests };
}

describe('fuzz', () => {
  it(`only yields frames or ProtocolError for ${INPUTS} random and mutated inputs (seed ${SEED})`, () => {
    console.log(`protocol fuzz: seed ${SEED}, ${INPUTS} inputs (reproduce with FUZZ_SEED=${SEED})`);
    const { replies, requests } = buildCorpus();
    const all = [...replies, ...requests];
    const stats: Stats = { frames: 0, requests: 0, errors: new Map() };
    const started = Date.now();
    for (let n = 0; n < INPUTS; n++) {
      const roll = random();
      let input: Buffer;
      if (roll < 0.15) input = randomInput();
      else if (roll < 0.2) input = pick(all);
      else {
        input = pick(roll < 0.6 ? replies : roll < 0.9 ? requests : all);
        for (let m = 1 + int(3); m > 0; m--) input = mutate(input, all);
      }
      try {
        checkReplies(input, stats);
        checkRequests(input, stats);
      } catch (err) {
        const what = err instanceof Failure ? err.message : `unexpected ${String(err)}`;
        const stack = err instanceof Error && !(err instanceof Failure) ? `\n${err.stack}` : '';
        throw new Error(
          `fuzz input #${n} (seed ${SEED}): ${what}\ninput (hex): ${input.toString('hex')}\n` +
            `input (latin1): ${JSON.stringify(input.toString('latin1'))}${stack}`,
        );
      }
    }
    const errorSummary = [...stats.errors.entries()].sort().map(([k, v]) => `${k}=${v}`);
    console.log(
      `protocol fuzz: ${stats.frames} frames, ${stats.requests} requests, errors: ${errorSummary.join(' ')}, ` +
        `${Date.now() - started} ms`,
    );
    // The mutations must actually reach the error paths, not just produce incomplete input.
    const replyCodes = [...stats.errors.keys()].filter((k) => k.startsWith('reply:'));
    const requestCodes = [...stats.errors.keys()].filter((k) => k.startsWith('request:'));
    expect(replyCodes.length).toBeGreaterThanOrEqual(8);
    expect(requestCodes.length).toBeGreaterThanOrEqual(5);
  });

  it('valid inputs parse completely in any chunking', () => {
    const { replies, requests } = buildCorpus();
    for (const input of replies) {
      const reader = new ReplyReader();
      const out = runChunked(
        input,
        chunkSizes(input.length),
        (c) => reader.push(c),
        () => reader.next(),
      );
      expect(out.error).toBeNull();
      expect(out.items.length).toBe(1);
      expect(reader.buffered).toBe(0);
    }
    for (const input of requests) {
      const parser = new RequestParser();
      const out = runChunked(
        input,
        chunkSizes(input.length),
        (c) => parser.push(c),
        () => parser.next(),
      );
      expect(out.error).toBeNull();
      expect(out.items.length).toBeLessThanOrEqual(1);
      expect(parser.buffered).toBe(0);
    }
  });
});
