// fast-check arbitraries for RESP values, commands and chunk splits, shared by the protocol tests
// and by any later test that needs realistic wire data. Generated values are already in the shape
// the decoder produces (integers as number when safe, bigint otherwise; doubles carry their raw
// text), so a round trip can be checked with a plain deep equality.

import fc from 'fast-check';
import { formatDouble, type RespValue } from './resp-value.js';

/** Bytes that matter to the parsers, so random payloads often contain lookalike framing. */
const FRAMING_BYTES = [0x0d, 0x0a, 0x24, 0x2a, 0x3a, 0x2b, 0x2d, 0x30, 0x31, 0x20, 0x22, 0x27, 0x5c, 0x00];

/** Binary payloads: random bytes, bytes rich in CR/LF and RESP type bytes, sometimes a few KB. */
export function binaryBuffer(maxLength = 48): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength }).map((a) => Buffer.from(a)) },
    {
      weight: 2,
      arbitrary: fc.array(fc.constantFrom(...FRAMING_BYTES), { maxLength }).map((a) => Buffer.from(a)),
    },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1000, maxLength: 5000 }).map((a) => Buffer.from(a)) },
  );
}

/** Text for simple strings and errors: any code point except CR and LF, which would end the line. */
export function lineText(maxLength = 24): fc.Arbitrary<string> {
  return fc
    .oneof(fc.string({ unit: 'binary-ascii', maxLength }), fc.string({ unit: 'binary', maxLength }))
    .map((s) => s.replace(/[\r\n]/g, ' '));
}

/** Integers the way the decoder returns them: a number when it is a safe integer, else a bigint. */
export function normalizeInteger(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function respInteger(): fc.Arbitrary<RespValue> {
  return fc
    .oneof(
      fc.integer({ min: -1000, max: 1000 }).map((n) => BigInt(n)),
      fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
      fc.constantFrom(INT64_MIN, INT64_MAX, 2n ** 53n, -(2n ** 53n), 2n ** 53n - 1n),
    )
    .map((n) => ({ type: 'integer', value: normalizeInteger(n) }));
}

/** Alternative spellings a server may use; `value` is what the decoder must derive from them. */
const DOUBLE_SPELLINGS: ReadonlyArray<[string, number]> = [
  ['inf', Number.POSITIVE_INFINITY],
  ['-inf', Number.NEGATIVE_INFINITY],
  ['nan', Number.NaN],
  ['3.0', 3],
  ['1e10', 1e10],
  ['1E-5', 1e-5],
  ['-0', -0],
  ['+2.5', 2.5],
  ['.5', 0.5],
  ['10.', 10],
];

export function respDouble(): fc.Arbitrary<RespValue> {
  return fc.oneof(
    fc.double().map((value): RespValue => ({ type: 'double', value, raw: formatDouble(value) })),
    fc.constantFrom(...DOUBLE_SPELLINGS).map(([raw, value]): RespValue => ({ type: 'double', value, raw })),
  );
}

/** Non-aggregate values. Nulls are generated in all three wire forms. */
export function respScalar(): fc.Arbitrary<RespValue> {
  return fc.oneof(
    lineText().map((value): RespValue => ({ type: 'simple', value })),
    lineText().map((value): RespValue => ({ type: 'error', value })),
    respInteger(),
    binaryBuffer().map((value): RespValue => ({ type: 'bulk', value })),
    fc.constantFrom('bulk', 'array', 'resp3').map((form): RespValue => ({ type: 'null', form })),
    respDouble(),
    fc.bigInt({ min: -(10n ** 60n), max: 10n ** 60n }).map((value): RespValue => ({ type: 'bignum', value })),
    fc
      .tuple(fc.stringMatching(/^[a-z]{3}$/), binaryBuffer())
      .map(([format, value]): RespValue => ({ type: 'verbatim', format, value })),
    fc.boolean().map((value): RespValue => ({ type: 'boolean', value })),
    binaryBuffer().map((value): RespValue => ({ type: 'blobError', value })),
  );
}

export interface RespValueConstraints {
  /** Aggregate nesting levels at most (attributes count as a level, as in the scanner). */
  maxDepth?: number;
  /** Elements (or pairs) per aggregate at most. */
  maxLength?: number;
}

/** Any RespValue, aggregates nested at most `maxDepth` levels. */
export function respValue(constraints: RespValueConstraints = {}): fc.Arbitrary<RespValue> {
  const maxDepth = constraints.maxDepth ?? 3;
  const maxLength = constraints.maxLength ?? 5;
  const scalar = respScalar();
  // Built bottom-up so the depth bound is structural rather than probabilistic.
  let level: fc.Arbitrary<RespValue> = scalar;
  for (let d = 0; d < maxDepth; d++) {
    const inner = level;
    const pairs = fc.array(fc.tuple(inner, inner), { maxLength: Math.max(1, maxLength - 1) });
    level = fc.oneof(
      { weight: 3, arbitrary: scalar },
      {
        weight: 1,
        arbitrary: fc.array(inner, { maxLength }).map((value): RespValue => ({ type: 'array', value })),
      },
      {
        weight: 1,
        arbitrary: fc.array(inner, { maxLength }).map((value): RespValue => ({ type: 'set', value })),
      },
      {
        weight: 1,
        arbitrary: fc.array(inner, { maxLength }).map((value): RespValue => ({ type: 'push', value })),
      },
      { weight: 1, arbitrary: pairs.map((value): RespValue => ({ type: 'map', value })) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(pairs, inner)
          .map(([attributes, value]): RespValue => ({ type: 'attribute', attributes, value })),
      },
    );
  }
  return level;
}

/** A command as a client sends it: at least one argument, each binary-safe. */
export function commandArgs(maxArgs = 8): fc.Arbitrary<Buffer[]> {
  return fc.array(binaryBuffer(), { minLength: 1, maxLength: maxArgs });
}

/** Words that survive an inline command line: no whitespace, quotes or backslashes to escape. */
function plainWord(): fc.Arbitrary<string> {
  return fc.stringMatching(/^[A-Za-z0-9_:.{}-]{1,12}$/);
}

/**
 * Renders `arg` for an inline line the way sdssplitargs reads it back: plain, "double quoted" with
 * escapes, or 'single quoted'. `style` picks among the spellings valid for that argument.
 */
export function quoteInlineArg(arg: Buffer, style: number): string {
  const text = arg.toString('latin1');
  // A line starting with '*' would be read as multibulk, so such a word is always quoted.
  const plain = /^[\x21-\x29\x2b-\x7e][\x21-\x7e]*$/.test(text) && !/["'\\]/.test(text);
  if (plain && style % 3 === 0) return text;
  if (!text.includes("'") && /^[\x20-\x7e]*$/.test(text) && !text.includes('\\') && style % 3 === 1) {
    return `'${text}'`;
  }
  let out = '"';
  for (const byte of arg) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x0d) out += '\\r';
    else if (byte === 0x09) out += '\\t';
    else if (byte >= 0x20 && byte < 0x7f && style % 2 === 0) out += String.fromCharCode(byte);
    else {
      // sdssplitargs accepts hex digits in either case.
      const hex = byte.toString(16).padStart(2, '0');
      out += `\\x${style % 4 === 1 ? hex.toUpperCase() : hex}`;
    }
  }
  return `${out}"`;
}

export interface InlineCommand {
  /** The full inline line including its terminator. */
  readonly line: Buffer;
  /** What sdssplitargs makes of it. */
  readonly args: Buffer[];
}

/** Inline command lines with mixed quoting and separators, paired with the arguments they carry. */
export function inlineCommand(): fc.Arbitrary<InlineCommand> {
  const arg = fc.oneof(
    plainWord().map((s) => Buffer.from(s, 'latin1')),
    fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a)),
  );
  return fc
    .record({
      args: fc.array(fc.tuple(arg, fc.nat(), fc.constantFrom(' ', '  ', '\t', ' \t ')), {
        minLength: 1,
        maxLength: 6,
      }),
      lead: fc.constantFrom('', ' ', '\t'),
      terminator: fc.constantFrom('\r\n', '\n'),
    })
    .map(({ args, lead, terminator }) => {
      let line = lead;
      args.forEach(([a, style, sep], i) => {
        line += (i > 0 ? sep : '') + quoteInlineArg(a, style);
      });
      return { line: Buffer.from(line + terminator, 'latin1'), args: args.map(([a]) => a) };
    });
}

/** How a byte stream is cut into socket chunks. */
export type ChunkPlan =
  | { readonly kind: 'whole' }
  | { readonly kind: 'bytes' }
  | { readonly kind: 'sizes'; readonly sizes: readonly number[] };

export function chunkPlan(): fc.Arbitrary<ChunkPlan> {
  return fc.oneof(
    fc.constant<ChunkPlan>({ kind: 'whole' }),
    fc.constant<ChunkPlan>({ kind: 'bytes' }),
    fc
      .array(fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 4096 })), {
        minLength: 1,
        maxLength: 16,
      })
      .map((sizes): ChunkPlan => ({ kind: 'sizes', sizes })),
  );
}

/**
 * Cuts `bytes` per `plan`, cycling through the sizes. Each chunk is a fresh copy so a parser cannot
 * get away with reading past a chunk's end into memory that happens to be contiguous.
 */
export function splitIntoChunks(bytes: Buffer, plan: ChunkPlan): Buffer[] {
  if (plan.kind === 'whole') return [Buffer.from(bytes)];
  const chunks: Buffer[] = [];
  let i = 0;
  for (let pos = 0; pos < bytes.length; i++) {
    const size = plan.kind === 'bytes' ? 1 : plan.sizes[i % plan.sizes.length]!;
    chunks.push(Buffer.from(bytes.subarray(pos, pos + size)));
    pos += size;
  }
  return chunks;
}
