// Client-side parser: multibulk and inline commands under arbitrary chunk splits, exact `raw`
// slices, Redis's inline quoting (sdssplitargs) and Redis's protocol-error wording.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CostBudget, meterCost } from './cost-meter.test-support.js';
import { ProtocolError } from './protocol-error.js';
import { type ParsedRequest, RequestParser, splitInlineArgs } from './request-parser.js';
import {
  type ChunkPlan,
  chunkPlan,
  commandArgs,
  inlineCommand,
  splitIntoChunks,
} from './resp-arbitraries.test-support.js';
import { encodeCommand } from './resp-encoder.js';
import { DEFAULT_LIMITS, type RespLimits } from './resp-scanner.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const text = (args: Buffer[]): string[] => args.map((a) => a.toString('latin1'));

interface ParseResult {
  requests: ParsedRequest[];
  leftover: number;
}

/** Feeds `input` in chunks, draining every complete request after each push. */
function parseAll(input: Buffer, plan: ChunkPlan, limits: RespLimits = DEFAULT_LIMITS): ParseResult {
  const parser = new RequestParser(limits);
  const requests: ParsedRequest[] = [];
  for (const chunk of splitIntoChunks(input, plan)) {
    parser.push(chunk);
    for (let r = parser.next(); r !== null; r = parser.next()) requests.push(r);
  }
  return { requests, leftover: parser.buffered };
}

function parseError(
  input: Buffer,
  plan: ChunkPlan,
  limits: RespLimits = DEFAULT_LIMITS,
): ProtocolError | null {
  try {
    parseAll(input, plan, limits);
    return null;
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
}

const SPLITS: readonly ChunkPlan[] = [
  { kind: 'whole' },
  { kind: 'bytes' },
  { kind: 'sizes', sizes: [2, 7, 1] },
];

describe('multibulk requests', () => {
  it('parses a pipeline of commands under any split, with raw equal to the bytes sent', () => {
    fc.assert(
      fc.property(fc.array(commandArgs(), { minLength: 1, maxLength: 12 }), chunkPlan(), (commands, plan) => {
        const encoded = commands.map((args) => encodeCommand(args));
        const { requests, leftover } = parseAll(Buffer.concat(encoded), plan);
        expect(leftover).toBe(0);
        expect(requests.length).toBe(commands.length);
        requests.forEach((req, i) => {
          expect(req.args).toEqual(commands[i]);
          expect(req.raw?.equals(encoded[i]!)).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('returns args as slices of raw, so forwarding needs no copy', () => {
    const { requests } = parseAll(encodeCommand(['SET', 'key', 'value']), { kind: 'whole' });
    const req = requests[0]!;
    expect(text(req.args)).toEqual(['SET', 'key', 'value']);
    for (const arg of req.args) expect(arg.buffer).toBe(req.raw!.buffer);
  });

  it('parses a pipeline of 10k commands', () => {
    const commands = Array.from({ length: 10_000 }, (_, i) => ['SET', `key:${i}`, 'x'.repeat(i % 50)]);
    const wire = Buffer.concat(commands.map((c) => encodeCommand(c)));
    for (const plan of [{ kind: 'whole' }, { kind: 'sizes', sizes: [1460, 3, 64] }] as const) {
      const { requests, leftover } = parseAll(wire, plan);
      expect(leftover).toBe(0);
      expect(requests.map((r) => text(r.args))).toEqual(commands);
    }
  });

  it('skips empty multibulks and blank lines, as Redis does', () => {
    const wire = bytes(
      '*0\r\n*-1\r\n\r\n\n   \r\n*-5\r\n*1\r\n$4\r\nPING\r\n*0\r\n\t\r\n*1\r\n$4\r\nPING\r\n',
    );
    for (const plan of SPLITS) {
      const { requests, leftover } = parseAll(wire, plan);
      expect(requests.map((r) => text(r.args))).toEqual([['PING'], ['PING']]);
      expect(requests.map((r) => r.raw?.toString('latin1'))).toEqual([
        '*1\r\n$4\r\nPING\r\n',
        '*1\r\n$4\r\nPING\r\n',
      ]);
      expect(leftover).toBe(0);
    }
  });

  it('keeps an empty argument', () => {
    const { requests } = parseAll(bytes('*2\r\n$3\r\nGET\r\n$0\r\n\r\n'), { kind: 'bytes' });
    expect(text(requests[0]!.args)).toEqual(['GET', '']);
  });

  it('waits for the last byte of a command', () => {
    fc.assert(
      fc.property(commandArgs(), (args) => {
        const wire = encodeCommand(args);
        const parser = new RequestParser();
        parser.push(wire.subarray(0, wire.length - 1));
        expect(parser.next()).toBeNull();
        parser.push(wire.subarray(wire.length - 1));
        expect(parser.next()?.raw?.equals(wire)).toBe(true);
        expect(parser.next()).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it('accepts a bulk of exactly maxBulkLength and rejects one byte more', () => {
    const limits = { ...DEFAULT_LIMITS, maxBulkLength: 4 };
    expect(parseAll(bytes('*1\r\n$4\r\nabcd\r\n'), { kind: 'bytes' }, limits).requests.length).toBe(1);
    expect(parseError(bytes('*1\r\n$5\r\n'), { kind: 'whole' }, limits)?.message).toBe(
      'Protocol error: invalid bulk length',
    );
  });

  it('accepts counts up to INT_MAX and waits for the arguments', () => {
    const { requests, leftover } = parseAll(bytes('*2147483647\r\n$1\r\na\r\n'), { kind: 'whole' });
    expect(requests).toEqual([]);
    expect(leftover).toBe(20);
  });
});

describe('large requests', () => {
  /** Parses `wire` cut into `size`-byte chunks (cut before metering starts) within `budget`. */
  function meteredParse(wire: Buffer, size: number, budget: CostBudget): ParsedRequest[] {
    const chunks = splitIntoChunks(wire, { kind: 'sizes', sizes: [size] });
    return meterCost(budget, () => {
      const parser = new RequestParser();
      const requests: ParsedRequest[] = [];
      for (const chunk of chunks) {
        parser.push(chunk);
        for (let r = parser.next(); r !== null; r = parser.next()) requests.push(r);
      }
      return requests;
    }).result;
  }

  it('receives a 20 MB value in 64 KB chunks with a single copy', () => {
    const value = Buffer.alloc(20 * 1024 * 1024, 0x76);
    const wire = encodeCommand(['SET', 'big', value]);
    const requests = meteredParse(wire, 64 * 1024, { maxAllocated: wire.length * 2, maxLineSearches: 10 });
    expect(requests.length).toBe(1);
    expect(requests[0]!.args[2]!.equals(value)).toBe(true);
    expect(requests[0]!.raw!.length).toBe(wire.length);
  });

  it('receives a command with 200k arguments in linear work', () => {
    // Like a big MSET/DEL: rescanning from the start on every 4 KB read would be quadratic.
    const args = ['DEL', ...Array.from({ length: 200_000 }, (_, i) => `k${String(i).padStart(6, '0')}`)];
    const wire = encodeCommand(args);
    const requests = meteredParse(wire, 4096, {
      maxAllocated: wire.length * 8,
      maxLineSearches: args.length * 2,
    });
    expect(requests.length).toBe(1);
    expect(requests[0]!.args.length).toBe(args.length);
    expect(requests[0]!.raw!.equals(wire)).toBe(true);
  });
});

describe('inline requests', () => {
  it('splits and unquotes like sdssplitargs', () => {
    const cases: Array<[string, string[]]> = [
      ['PING', ['PING']],
      ['set "a b" \'c d\'', ['set', 'a b', 'c d']],
      ['"\\x41"', ['A']],
      ['"\\x4a\\x4B"', ['JK']],
      ['"\\x4"', ['x4']],
      ['"\\xZZ"', ['xZZ']],
      ['"\\n\\r\\t\\b\\a"', ['\n\r\t\b\x07']],
      ['"\\\\" "\\"" "\\q"', ['\\', '"', 'q']],
      ["'\\''", ["'"]],
      ["'\\n'", ['\\n']],
      ["'a\"b'", ['a"b']],
      ['"a\'b"', ["a'b"]],
      ['""', ['']],
      ['set "" x', ['set', '', 'x']],
      ["''", ['']],
      ['a"b c"', ['ab c']],
      ["a'b c'", ['ab c']],
      ['  set   a  ', ['set', 'a']],
      ['set\ta\tb', ['set', 'a', 'b']],
      ['"a"\t"b"', ['a', 'b']],
      ['"a"\x0b"b"', ['a', 'b']],
      // Only space, tab, CR and LF end an unquoted word; isspace's \v and \f only separate words.
      ['set a\x0bb', ['set', 'a\x0bb']],
      ['set a\x0cb', ['set', 'a\x0cb']],
      ['\x0bset\x0c a', ['set\x0c', 'a']],
      ['set "a\\x00b"', ['set', 'a\x00b']],
      ['get k\x80\xff', ['get', 'k\x80\xff']],
      ['', []],
      ['   \t ', []],
    ];
    for (const [line, args] of cases) {
      expect(text(splitInlineArgs(bytes(line))), JSON.stringify(line)).toEqual(args);
    }
  });

  it('parses lines ending in CRLF or LF alone, skipping blank lines', () => {
    const wire = bytes('PING\r\n\r\nSET a "b c"\n\nGET a\r\r\n');
    for (const plan of SPLITS) {
      const { requests, leftover } = parseAll(wire, plan);
      expect(requests.map((r) => text(r.args))).toEqual([['PING'], ['SET', 'a', 'b c'], ['GET', 'a']]);
      expect(requests.every((r) => r.raw === null)).toBe(true);
      expect(leftover).toBe(0);
    }
  });

  it('round-trips any quoted rendering of binary arguments', () => {
    fc.assert(
      fc.property(
        fc.array(inlineCommand(), { minLength: 1, maxLength: 5 }),
        chunkPlan(),
        (commands, plan) => {
          const { requests, leftover } = parseAll(Buffer.concat(commands.map((c) => c.line)), plan);
          expect(leftover).toBe(0);
          expect(requests.map((r) => r.args)).toEqual(commands.map((c) => c.args));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('mixes inline and multibulk commands in one stream', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            inlineCommand(),
            commandArgs().map((args) => ({ line: encodeCommand(args), args })),
          ),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        chunkPlan(),
        (commands, plan) => {
          const { requests } = parseAll(Buffer.concat(commands.map((c) => c.line)), plan);
          expect(requests.map((r) => r.args)).toEqual(commands.map((c) => c.args));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('accepts an inline request of 64 KB without newline and rejects one byte more', () => {
    const limit = 64 * 1024;
    expect(parseAll(bytes('a'.repeat(limit)), { kind: 'whole' }).leftover).toBe(limit);
    expect(parseError(bytes('a'.repeat(limit + 1)), { kind: 'whole' })?.message).toBe(
      'Protocol error: too big inline request',
    );
    expect(parseError(bytes('a'.repeat(limit + 1)), { kind: 'sizes', sizes: [4096] })?.message).toBe(
      'Protocol error: too big inline request',
    );
  });
});

/** [description, wire bytes, expected Redis message]: every row must fail under any split. */
const MALFORMED_REQUESTS: Array<[string, string, string]> = [
  ['inline bulk instead of $', '*1\r\nX3\r\nabc\r\n', "expected '$', got 'X'"],
  ['integer instead of $', '*2\r\n$3\r\nfoo\r\n:3\r\n', "expected '$', got ':'"],
  ['nested multibulk', '*1\r\n*1\r\n', "expected '$', got '*'"],
  ['CRLF where a bulk should start', '*1\r\n\r\n', "expected '$', got ' '"],
  ['next command starts too early', '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n*1\r\n', "expected '$', got '*'"],
  ['count not a number', '*abc\r\n', 'invalid multibulk length'],
  ['count with trailing junk', '*1x\r\n', 'invalid multibulk length'],
  ['empty count', '*\r\n', 'invalid multibulk length'],
  ['count minus sign only', '*-\r\n', 'invalid multibulk length'],
  ['count minus zero', '*-0\r\n', 'invalid multibulk length'],
  ['count with two minus signs', '*--1\r\n', 'invalid multibulk length'],
  ['count with a plus sign', '*+1\r\n', 'invalid multibulk length'],
  ['count with a leading zero', '*01\r\n', 'invalid multibulk length'],
  ['count above INT_MAX', '*2147483648\r\n', 'invalid multibulk length'],
  ['count of 14 digits', '*99999999999999\r\n', 'invalid multibulk length'],
  ['count beyond int64', '*-99999999999999999999\r\n', 'invalid multibulk length'],
  ['bulk length not a number', '*1\r\n$abc\r\n', 'invalid bulk length'],
  ['bulk length -1', '*1\r\n$-1\r\n', 'invalid bulk length'],
  ['empty bulk length', '*1\r\n$\r\n', 'invalid bulk length'],
  ['bulk length with trailing junk', '*1\r\n$1x\r\n', 'invalid bulk length'],
  ['bulk length with a plus sign', '*1\r\n$+1\r\n', 'invalid bulk length'],
  ['bulk length with a leading zero', '*1\r\n$03\r\nabc\r\n', 'invalid bulk length'],
  ['bulk length over 512 MB', '*1\r\n$536870913\r\n', 'invalid bulk length'],
  ['bulk length of 13 digits', '*1\r\n$1234567890123\r\n', 'invalid bulk length'],
  ['bulk payload longer than declared', '*1\r\n$3\r\nabcd\r\n', 'expected CRLF after bulk payload'],
  ['count line over 64 KB', `*${'1'.repeat(64 * 1024)}`, 'too big mbulk count string'],
  ['bulk length line over 64 KB', `*1\r\n$${'1'.repeat(64 * 1024)}`, 'too big bulk count string'],
  ['inline line over 64 KB', 'x'.repeat(64 * 1024 + 1), 'too big inline request'],
  ['unterminated double quote', 'set "a b\r\n', 'unbalanced quotes in request'],
  ['unterminated single quote', "set 'a b\r\n", 'unbalanced quotes in request'],
  ['lone double quote', '"\r\n', 'unbalanced quotes in request'],
  ['double quote closed by a letter', 'set "a"b\r\n', 'unbalanced quotes in request'],
  ['single quote closed by a letter', "set 'a'b\r\n", 'unbalanced quotes in request'],
  ['double quote closed by another quote', 'set "a""b"\r\n', 'unbalanced quotes in request'],
  ['escaped closing double quote', 'set "a\\"\r\n', 'unbalanced quotes in request'],
  ['backslash at the end of a quoted word', 'set "\\\r\n', 'unbalanced quotes in request'],
  ['escaped backslash then quote in single quotes', "set '\\\\'\r\n", 'unbalanced quotes in request'],
  ['quote opened mid-word', 'set ab"cd\r\n', 'unbalanced quotes in request'],
  ['good command, then an unbalanced one', 'PING\r\nECHO "x\r\n', 'unbalanced quotes in request'],
  ['good multibulk, then a bad bulk length', '*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n', 'invalid bulk length'],
];

describe('malformed requests', () => {
  it('has a corpus of at least 40 rows', () => {
    expect(MALFORMED_REQUESTS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(MALFORMED_REQUESTS)('%s', (_name, wire, message) => {
    for (const plan of SPLITS) {
      const err = parseError(bytes(wire), plan);
      expect(err, plan.kind).toBeInstanceOf(ProtocolError);
      expect(err?.message, plan.kind).toBe(`Protocol error: ${message}`);
      expect(err?.toReply()).toBe(`ERR Protocol error: ${message}`);
    }
  });

  it('puts no CR or LF in an error message, so the reply line stays one line', () => {
    for (const [, wire] of MALFORMED_REQUESTS) {
      expect(parseError(bytes(wire), { kind: 'whole' })?.message).not.toMatch(/[\r\n]/);
    }
  });

  it('reports the same error under any split, after the good commands before it', () => {
    fc.assert(
      fc.property(
        fc.array(commandArgs(), { maxLength: 4 }),
        fc.constantFrom(...MALFORMED_REQUESTS),
        chunkPlan(),
        (commands, [, wire, message], plan) => {
          const parser = new RequestParser();
          const seen: ParsedRequest[] = [];
          let error: unknown = null;
          const input = Buffer.concat([...commands.map((c) => encodeCommand(c)), bytes(wire)]);
          try {
            for (const chunk of splitIntoChunks(input, plan)) {
              parser.push(chunk);
              for (let r = parser.next(); r !== null; r = parser.next()) seen.push(r);
            }
          } catch (err) {
            error = err;
          }
          expect(error).toBeInstanceOf(ProtocolError);
          expect((error as ProtocolError).message).toBe(`Protocol error: ${message}`);
          expect(seen.length).toBeGreaterThanOrEqual(commands.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reports lengths of exactly 64 KB without CR as incomplete, not as errors', () => {
    // Redis counts the whole pending line, type byte included, against PROTO_INLINE_MAX_SIZE.
    const count = `*${'1'.repeat(64 * 1024 - 1)}`;
    expect(parseAll(bytes(count), { kind: 'whole' }).leftover).toBe(64 * 1024);
    const bulk = `*1\r\n$${'1'.repeat(64 * 1024 - 1)}`;
    expect(parseAll(bytes(bulk), { kind: 'whole' }).leftover).toBe(bulk.length);
  });
});
