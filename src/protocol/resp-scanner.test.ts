// Reply-side codec: encoder → ReplyReader → decodeFrame round trips under arbitrary chunk splits,
// the encoder's RESP2 downgrade rules, limits with Redis's wording, and a malformed-input corpus.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CostBudget, meterCost } from './cost-meter.test-support.js';
import { ProtocolError } from './protocol-error.js';
import { ReplyReader } from './reply-reader.js';
import { type ChunkPlan, chunkPlan, respValue, splitIntoChunks } from './resp-arbitraries.test-support.js';
import { encodeValue } from './resp-encoder.js';
import { DEFAULT_LIMITS, decodeFrame, INCOMPLETE, type RespLimits, scanFrame } from './resp-scanner.js';
import { formatDouble, type RespValue } from './resp-value.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

interface ReadResult {
  frames: Buffer[];
  /** Bytes still held by the reader after the last chunk. */
  leftover: number;
}

/** Feeds `input` to a ReplyReader in chunks, draining every complete frame after each push. */
function readFrames(input: Buffer, plan: ChunkPlan, limits: RespLimits = DEFAULT_LIMITS): ReadResult {
  const reader = new ReplyReader(limits);
  const frames: Buffer[] = [];
  for (const chunk of splitIntoChunks(input, plan)) {
    reader.push(chunk);
    for (let f = reader.next(); f !== null; f = reader.next()) frames.push(f);
  }
  return { frames, leftover: reader.buffered };
}

/** The error a reader reports for `input`, or null if it reports none. */
function readError(
  input: Buffer,
  plan: ChunkPlan,
  limits: RespLimits = DEFAULT_LIMITS,
): ProtocolError | null {
  try {
    readFrames(input, plan, limits);
    return null;
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
}

/** What decoding a RESP3 encoding yields: every null comes back in its RESP3 spelling. */
function asResp3(v: RespValue): RespValue {
  switch (v.type) {
    case 'null':
      return { type: 'null', form: 'resp3' };
    case 'array':
    case 'set':
    case 'push':
      return { type: v.type, value: v.value.map(asResp3) };
    case 'map':
      return {
        type: 'map',
        value: v.value.map(([k, x]): [RespValue, RespValue] => [asResp3(k), asResp3(x)]),
      };
    case 'attribute':
      return {
        type: 'attribute',
        attributes: v.attributes.map(([k, x]): [RespValue, RespValue] => [asResp3(k), asResp3(x)]),
        value: asResp3(v.value),
      };
    default:
      return v;
  }
}

/**
 * The value a RESP2 client decodes, per redis-server's downgrade rules: aggregates become arrays
 * (maps flattened), doubles/big numbers/verbatim become bulk strings, booleans 1/0, blob errors simple
 * errors, attributes vanish, and nulls become `$-1` except array nulls.
 */
function asResp2(v: RespValue): RespValue {
  switch (v.type) {
    case 'null':
      return { type: 'null', form: v.form === 'array' ? 'array' : 'bulk' };
    case 'array':
    case 'set':
    case 'push':
      return { type: 'array', value: v.value.map(asResp2) };
    case 'map':
      return { type: 'array', value: v.value.flatMap(([k, x]) => [asResp2(k), asResp2(x)]) };
    case 'attribute':
      return asResp2(v.value);
    case 'double':
      return { type: 'bulk', value: bytes(v.raw) };
    case 'bignum':
      return { type: 'bulk', value: bytes(v.value.toString()) };
    case 'verbatim':
      return { type: 'bulk', value: v.value };
    case 'boolean':
      return { type: 'integer', value: v.value ? 1 : 0 };
    case 'blobError':
      return { type: 'error', value: v.value.toString('utf8').replace(/[\r\n]+/g, ' ') };
    default:
      return v;
  }
}

describe('RESP3 round trip through ReplyReader', () => {
  it('yields each encoded value as one frame with exact boundaries, under any chunk split', () => {
    fc.assert(
      fc.property(fc.array(respValue(), { minLength: 1, maxLength: 8 }), chunkPlan(), (values, plan) => {
        const encoded = values.map((v) => encodeValue(v, 3));
        const { frames, leftover } = readFrames(Buffer.concat(encoded), plan);
        expect(leftover).toBe(0);
        expect(frames.length).toBe(values.length);
        frames.forEach((frame, i) => {
          expect(frame.equals(encoded[i]!)).toBe(true);
          expect(decodeFrame(frame)).toEqual(asResp3(values[i]!));
        });
      }),
      { numRuns: 300 },
    );
  });

  it('holds back a frame until its last byte arrives', () => {
    fc.assert(
      fc.property(respValue(), (value) => {
        const encoded = encodeValue(value, 3);
        const reader = new ReplyReader();
        reader.push(encoded.subarray(0, encoded.length - 1));
        expect(reader.next()).toBeNull();
        reader.push(encoded.subarray(encoded.length - 1));
        expect(reader.next()?.equals(encoded)).toBe(true);
        expect(reader.next()).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with a one-shot scanFrame on where every frame ends', () => {
    fc.assert(
      fc.property(fc.array(respValue(), { minLength: 1, maxLength: 5 }), (values) => {
        const stream = Buffer.concat(values.map((v) => encodeValue(v, 3)));
        const out = { value: undefined, need: 0 };
        let pos = 0;
        for (const v of values) {
          const end = scanFrame(stream, pos, DEFAULT_LIMITS, false, out);
          expect(end - pos).toBe(encodeValue(v, 3).length);
          pos = end;
        }
        expect(scanFrame(stream, pos, DEFAULT_LIMITS, false, out)).toBe(INCOMPLETE);
      }),
      { numRuns: 100 },
    );
  });

  it('decodes every RESP3 type from its exact wire spelling', () => {
    const cases: Array<[string, RespValue]> = [
      ['+OK\r\n', { type: 'simple', value: 'OK' }],
      ['-ERR bad\r\n', { type: 'error', value: 'ERR bad' }],
      [':-42\r\n', { type: 'integer', value: -42 }],
      [':9223372036854775807\r\n', { type: 'integer', value: 9223372036854775807n }],
      ['$3\r\na\r\n\r\n', { type: 'bulk', value: bytes('a\r\n') }],
      ['$0\r\n\r\n', { type: 'bulk', value: bytes('') }],
      ['$-1\r\n', { type: 'null', form: 'bulk' }],
      ['*-1\r\n', { type: 'null', form: 'array' }],
      ['_\r\n', { type: 'null', form: 'resp3' }],
      ['*2\r\n:1\r\n+a\r\n', { type: 'array', value: [resp3Int(1), simple('a')] }],
      ['%1\r\n+k\r\n:1\r\n', { type: 'map', value: [[simple('k'), resp3Int(1)]] }],
      ['~1\r\n#t\r\n', { type: 'set', value: [{ type: 'boolean', value: true }] }],
      [
        '>2\r\n+message\r\n#f\r\n',
        { type: 'push', value: [simple('message'), { type: 'boolean', value: false }] },
      ],
      [
        '|1\r\n+ttl\r\n:3\r\n+v\r\n',
        { type: 'attribute', attributes: [[simple('ttl'), resp3Int(3)]], value: simple('v') },
      ],
      [',1.5\r\n', { type: 'double', value: 1.5, raw: '1.5' }],
      [',-inf\r\n', { type: 'double', value: Number.NEGATIVE_INFINITY, raw: '-inf' }],
      [',nan\r\n', { type: 'double', value: Number.NaN, raw: 'nan' }],
      [
        '(3492890328409238509324850943850943825024385\r\n',
        { type: 'bignum', value: 3492890328409238509324850943850943825024385n },
      ],
      ['=15\r\ntxt:Some string\r\n', { type: 'verbatim', format: 'txt', value: bytes('Some string') }],
      [
        '!22\r\nSYNTAX invalid\r\nsyntax\r\n',
        { type: 'blobError', value: bytes('SYNTAX invalid\r\nsyntax') },
      ],
    ];
    for (const [wire, value] of cases) {
      expect(decodeFrame(bytes(wire)), wire).toEqual(value);
      // RESP3 has one null spelling, so the RESP2 nulls are the only rows that re-encode differently.
      const resp3Wire = value.type === 'null' ? '_\r\n' : wire;
      expect(encodeValue(value, 3).toString('latin1'), wire).toBe(resp3Wire);
      expect(readFrames(bytes(wire), { kind: 'bytes' }).frames.map((f) => f.toString('latin1'))).toEqual([
        wire,
      ]);
    }
  });

  it('spells doubles the way Redis does, negative zero included', () => {
    expect(formatDouble(-0)).toBe('-0');
    expect(decodeFrame(encodeValue({ type: 'double', value: -0, raw: '' }, 3))).toEqual({
      type: 'double',
      value: -0,
      raw: '-0',
    });
  });
});

function simple(value: string): RespValue {
  return { type: 'simple', value };
}

function resp3Int(value: number): RespValue {
  return { type: 'integer', value };
}

describe('RESP2 downgrade in the encoder', () => {
  it('writes each RESP3 type in its RESP2 spelling', () => {
    const cases: Array<[RespValue, string]> = [
      [{ type: 'map', value: [[simple('a'), resp3Int(1)]] }, '*2\r\n+a\r\n:1\r\n'],
      [{ type: 'set', value: [resp3Int(1)] }, '*1\r\n:1\r\n'],
      [{ type: 'push', value: [simple('message')] }, '*1\r\n+message\r\n'],
      [{ type: 'double', value: 1.5, raw: '1.5' }, '$3\r\n1.5\r\n'],
      [{ type: 'double', value: Number.POSITIVE_INFINITY, raw: 'inf' }, '$3\r\ninf\r\n'],
      [{ type: 'boolean', value: true }, ':1\r\n'],
      [{ type: 'boolean', value: false }, ':0\r\n'],
      [{ type: 'bignum', value: 12345678901234567890n }, '$20\r\n12345678901234567890\r\n'],
      [{ type: 'verbatim', format: 'txt', value: bytes('hello') }, '$5\r\nhello\r\n'],
      [{ type: 'blobError', value: bytes('ERR two\r\nlines') }, '-ERR two lines\r\n'],
      [{ type: 'attribute', attributes: [[simple('k'), simple('v')]], value: resp3Int(7) }, ':7\r\n'],
      [
        { type: 'array', value: [{ type: 'attribute', attributes: [], value: resp3Int(1) }, resp3Int(2)] },
        '*2\r\n:1\r\n:2\r\n',
      ],
      [{ type: 'null', form: 'bulk' }, '$-1\r\n'],
      [{ type: 'null', form: 'array' }, '*-1\r\n'],
      [{ type: 'null', form: 'resp3' }, '$-1\r\n'],
    ];
    for (const [value, wire] of cases) {
      expect(encodeValue(value, 2).toString('latin1'), wire).toBe(wire);
    }
  });

  it('writes every null as _ in RESP3', () => {
    for (const form of ['bulk', 'array', 'resp3'] as const) {
      expect(encodeValue({ type: 'null', form }, 3).toString('latin1')).toBe('_\r\n');
    }
  });

  it('round-trips any value into its RESP2 view, and RESP2 output uses only RESP2 type bytes', () => {
    fc.assert(
      fc.property(respValue(), chunkPlan(), (value, plan) => {
        const encoded = encodeValue(value, 2);
        const { frames, leftover } = readFrames(encoded, plan);
        expect(leftover).toBe(0);
        expect(frames.length).toBe(1);
        const decoded = decodeFrame(frames[0]!);
        expect(decoded).toEqual(asResp2(value));
        expect(usesOnlyResp2Types(decoded)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

function usesOnlyResp2Types(v: RespValue): boolean {
  switch (v.type) {
    case 'simple':
    case 'error':
    case 'integer':
    case 'bulk':
      return true;
    case 'null':
      return v.form !== 'resp3';
    case 'array':
      return v.value.every(usesOnlyResp2Types);
    default:
      return false;
  }
}

describe('limits', () => {
  const small: RespLimits = { maxBulkLength: 10, maxArrayLength: 3, maxDepth: 2, maxLineLength: 16 };

  it('accepts a bulk of exactly maxBulkLength and rejects one byte more, for every blob type', () => {
    for (const prefix of ['$', '!', '=']) {
      const ok = `${prefix}10\r\ntxt:456789\r\n`;
      expect(readFrames(bytes(ok), { kind: 'bytes' }, small).frames.length).toBe(1);
      expect(readError(bytes(`${prefix}11\r\n`), { kind: 'whole' }, small)?.message).toBe(
        'Protocol error: invalid bulk length',
      );
    }
  });

  it('defaults to Redis proto-max-bulk-len (512 MB)', () => {
    expect(DEFAULT_LIMITS.maxBulkLength).toBe(512 * 1024 * 1024);
    expect(readError(bytes('$536870913\r\n'), { kind: 'whole' })?.message).toBe(
      'Protocol error: invalid bulk length',
    );
    // Exactly the limit is legal: the reader waits for the payload without allocating it.
    const { frames, leftover } = readFrames(bytes('$536870912\r\nabc'), { kind: 'whole' });
    expect(frames).toEqual([]);
    expect(leftover).toBe(15);
  });

  it('rejects aggregates longer than maxArrayLength with the multibulk wording', () => {
    for (const prefix of ['*', '~', '>', '%', '|']) {
      expect(readError(bytes(`${prefix}4\r\n`), { kind: 'whole' }, small)?.message).toBe(
        'Protocol error: invalid multibulk length',
      );
    }
    expect(readFrames(bytes('*3\r\n:1\r\n:2\r\n:3\r\n'), { kind: 'bytes' }, small).frames.length).toBe(1);
  });

  it('rejects nesting deeper than maxDepth', () => {
    const nested = (levels: number): Buffer => bytes(`${'*1\r\n'.repeat(levels)}:1\r\n`);
    expect(readFrames(nested(2), { kind: 'bytes' }, small).frames.length).toBe(1);
    for (const plan of [{ kind: 'whole' }, { kind: 'bytes' }] as const) {
      expect(readError(nested(3), plan, small)?.message).toBe('Protocol error: too many nested aggregates');
    }
    expect(() => decodeFrame(nested(3), small)).toThrow('Protocol error: too many nested aggregates');
    // Attributes count as a level too, so metadata cannot be used to nest around the limit.
    expect(readError(bytes('*1\r\n|0\r\n*1\r\n:1\r\n'), { kind: 'whole' }, small)?.code).toBe('TOO_DEEP');
  });

  it('the default depth limit stops a deeply nested reply without overflowing the stack', () => {
    const deep = bytes('*1\r\n'.repeat(100_000));
    expect(readError(deep, { kind: 'whole' })?.code).toBe('TOO_DEEP');
    expect(readError(deep, { kind: 'sizes', sizes: [7, 4096] })?.code).toBe('TOO_DEEP');
  });

  it('rejects an over-long line the same way however the bytes are split', () => {
    const long = bytes(`+${'a'.repeat(17)}\r\n`);
    const exact = bytes(`+${'a'.repeat(16)}\r\n`);
    for (const plan of [{ kind: 'whole' }, { kind: 'bytes' }, { kind: 'sizes', sizes: [17] }] as const) {
      expect(readError(long, plan, small)?.message, plan.kind).toBe('Protocol error: too big line');
      expect(readFrames(exact, plan, small).frames.length, plan.kind).toBe(1);
    }
  });
});

describe('large payloads', () => {
  /** Reads `wire` cut into `size`-byte chunks (cut before metering starts) within `budget`. */
  function meteredRead(wire: Buffer, size: number, budget: CostBudget): Buffer[] {
    const chunks = splitIntoChunks(wire, { kind: 'sizes', sizes: [size] });
    return meterCost(budget, () => {
      const reader = new ReplyReader();
      const frames: Buffer[] = [];
      for (const chunk of chunks) {
        reader.push(chunk);
        for (let f = reader.next(); f !== null; f = reader.next()) frames.push(f);
      }
      return frames;
    }).result;
  }

  const CHUNK = 64 * 1024;

  it('receives a 20 MB bulk in 64 KB chunks with one copy and no rescanning', () => {
    const payload = Buffer.alloc(20 * 1024 * 1024, 0x61);
    const wire = Buffer.concat([bytes(`$${payload.length}\r\n`), payload, bytes('\r\n:1\r\n')]);
    const frames = meteredRead(wire, CHUNK, { maxAllocated: wire.length * 2, maxLineSearches: 10 });
    expect(frames.length).toBe(2);
    expect(frames[0]!.length).toBe(wire.length - 4);
    // Compared with equals(): a deep toEqual walks a 20 MB buffer key by key.
    const decoded = decodeFrame(frames[0]!);
    expect(decoded.type === 'bulk' && decoded.value.equals(payload)).toBe(true);
  });

  it('receives a large bulk nested in an aggregate the same way', () => {
    const payload = Buffer.alloc(8 * 1024 * 1024, 0x62);
    const wire = Buffer.concat([bytes(`*2\r\n:1\r\n$${payload.length}\r\n`), payload, bytes('\r\n')]);
    const frames = meteredRead(wire, CHUNK, { maxAllocated: wire.length * 2, maxLineSearches: 20 });
    expect(frames.length).toBe(1);
    expect(frames[0]!.equals(wire)).toBe(true);
  });

  it('receives an aggregate of many small elements in linear work', () => {
    // Like an HGETALL of a big hash: 200k elements in 4 KB reads. Rescanning the frame from its
    // start on every read would cost ~640 × 100k line searches and a full copy per read.
    const elements = 200_000;
    const parts: Buffer[] = [bytes(`*${elements}\r\n`)];
    for (let i = 0; i < elements; i++) parts.push(bytes(`$7\r\nf${String(i).padStart(6, '0')}\r\n`));
    const wire = Buffer.concat(parts);
    const frames = meteredRead(wire, 4096, { maxAllocated: wire.length * 8, maxLineSearches: elements * 2 });
    expect(frames.length).toBe(1);
    expect(frames[0]!.equals(wire)).toBe(true);
  });

  it('receives many large bulks nested in one aggregate without recopying the aggregate', () => {
    // Like an MGET of big values: each value is parked until complete, then must not force a copy of
    // everything received so far.
    const value = Buffer.alloc(200 * 1024, 0x63);
    const count = 100;
    const wire = Buffer.concat([
      bytes(`*${count}\r\n`),
      ...Array.from({ length: count }, () =>
        Buffer.concat([bytes(`$${value.length}\r\n`), value, bytes('\r\n')]),
      ),
    ]);
    const frames = meteredRead(wire, CHUNK, { maxAllocated: wire.length * 8, maxLineSearches: count * 10 });
    expect(frames.length).toBe(1);
    expect(frames[0]!.equals(wire)).toBe(true);
  });
});

/** [description, wire bytes, expected message, limits]: every row must fail under any split. */
const MALFORMED_REPLIES: Array<[string, string, string, RespLimits?]> = [
  ['unknown type byte', '?abc\r\n', "invalid type byte '?'"],
  ['NUL type byte', '\x00\r\n', "invalid type byte '\\x00'"],
  ['bare CRLF as a frame', '\r\n', "invalid type byte '\\x0d'"],
  ['bulk length not a number', '$abc\r\n', 'invalid bulk length'],
  ['bulk length -2', '$-2\r\n', 'invalid bulk length'],
  ['empty bulk length', '$\r\n', 'invalid bulk length'],
  ['bulk length with trailing junk', '$1x\r\n', 'invalid bulk length'],
  ['bulk length with plus sign', '$+1\r\n', 'invalid bulk length'],
  ['bulk length beyond 12 digits', '$1234567890123\r\n', 'invalid bulk length'],
  ['bulk length over 512 MB', '$536870913\r\n', 'invalid bulk length'],
  ['bulk payload longer than declared', '$3\r\nabcd\r\n', 'expected CRLF after bulk payload'],
  ['bulk payload terminated by LF CR', '$3\r\nabc\n\r', 'expected CRLF after bulk payload'],
  ['blob error null', '!-1\r\n', 'invalid bulk length'],
  ['verbatim null', '=-1\r\n', 'invalid bulk length'],
  ['verbatim shorter than its format', '=2\r\nab\r\n', 'invalid verbatim string, expected fmt:text'],
  ['verbatim without colon', '=5\r\ntxtab\r\n', 'invalid verbatim string, expected fmt:text'],
  ['array count not a number', '*abc\r\n', 'invalid multibulk length'],
  ['array count -2', '*-2\r\n', 'invalid multibulk length'],
  ['array count over maxArrayLength', '*2147483648\r\n', 'invalid multibulk length'],
  ['set null', '~-1\r\n', 'invalid multibulk length'],
  ['push null', '>-1\r\n', 'invalid multibulk length'],
  ['map null', '%-1\r\n', 'invalid multibulk length'],
  ['attribute count not a number', '|x\r\n', 'invalid multibulk length'],
  ['bad element inside an array', '*2\r\n:1\r\n?\r\n', "invalid type byte '?'"],
  ['bad element inside a map value', '%1\r\n+k\r\n$x\r\n', 'invalid bulk length'],
  ['bad value after an attribute', '|1\r\n+k\r\n+v\r\n#x\r\n', 'invalid boolean, expected t or f'],
  ['integer not a number', ':abc\r\n', 'invalid integer'],
  ['empty integer', ':\r\n', 'invalid integer'],
  ['integer sign only', ':-\r\n', 'invalid integer'],
  ['integer of 21 digits', ':123456789012345678901\r\n', 'invalid integer'],
  ['integer with a fraction', ':1.5\r\n', 'invalid integer'],
  ['double not a number', ',abc\r\n', 'invalid double'],
  ['empty double', ',\r\n', 'invalid double'],
  ['double with two points', ',1.2.3\r\n', 'invalid double'],
  ['double with dangling exponent', ',1e\r\n', 'invalid double'],
  ['boolean other than t/f', '#x\r\n', 'invalid boolean, expected t or f'],
  ['boolean with two letters', '#tt\r\n', 'invalid boolean, expected t or f'],
  ['empty boolean', '#\r\n', 'invalid boolean, expected t or f'],
  ['null with payload', '_x\r\n', "invalid null, expected '_\\r\\n'"],
  ['big number with letters', '(12a\r\n', 'invalid big number'],
  ['empty big number', '(\r\n', 'invalid big number'],
  ['CR not followed by LF', '+OK\rX', 'expected LF after CR'],
  ['CR CR LF', '+OK\r\r\n', 'expected LF after CR'],
  ['bare CR inside a nested error', '*2\r\n:1\r\n-ERR\rx', 'expected LF after CR'],
  ['line over maxLineLength without CR', `+${'a'.repeat(70_000)}`, 'too big line'],
  ['line over maxLineLength with CR', `:${'1'.repeat(70_000)}\r\n`, 'too big line'],
  [
    'nesting over maxDepth',
    '*1\r\n*1\r\n*1\r\n:1\r\n',
    'too many nested aggregates',
    { ...DEFAULT_LIMITS, maxDepth: 2 },
  ],
];

describe('malformed replies', () => {
  it.each(MALFORMED_REPLIES)('%s', (_name, wire, message, limits = DEFAULT_LIMITS) => {
    const input = bytes(wire);
    const expected = `Protocol error: ${message}`;
    for (const plan of [{ kind: 'whole' }, { kind: 'bytes' }, { kind: 'sizes', sizes: [3, 1, 5] }] as const) {
      expect(readError(input, plan, limits)?.message, plan.kind).toBe(expected);
    }
    expect(() => decodeFrame(input, limits)).toThrow(expected);
  });

  it('reports the same error under any split, after yielding the good frames before it', () => {
    fc.assert(
      fc.property(
        fc.array(respValue({ maxDepth: 2 }), { maxLength: 4 }),
        fc.constantFrom(...MALFORMED_REPLIES),
        chunkPlan(),
        (values, [, wire, message, limits = DEFAULT_LIMITS], plan) => {
          const good = values.map((v) => encodeValue(v, 3));
          const input = Buffer.concat([...good, bytes(wire)]);
          const reader = new ReplyReader(limits);
          const frames: Buffer[] = [];
          let error: unknown = null;
          try {
            for (const chunk of splitIntoChunks(input, plan)) {
              reader.push(chunk);
              for (let f = reader.next(); f !== null; f = reader.next()) frames.push(f);
            }
          } catch (err) {
            error = err;
          }
          expect(error).toBeInstanceOf(ProtocolError);
          expect((error as ProtocolError).message).toBe(`Protocol error: ${message}`);
          // Good frames that fit the limits all come out before the error.
          if (limits === DEFAULT_LIMITS) expect(frames.length).toBe(good.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('formats a client-facing reply with the ERR prefix', () => {
    expect(readError(bytes('$x\r\n'), { kind: 'whole' })?.toReply()).toBe(
      'ERR Protocol error: invalid bulk length',
    );
  });
});
