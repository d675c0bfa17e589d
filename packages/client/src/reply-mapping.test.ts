import { describe, expect, expectTypeOf, it } from 'vitest';
import { makeCommand } from './command.js';
import {
  asNullableScore,
  asNullableString,
  asRecord,
  asScore,
  asScoredMembers,
  asStrings,
} from './commands/reply-types.js';
import { bytesToBase64 } from './encoding.js';
import { type Settled, SlotwayPipelineError, SlotwayReplyError } from './errors.js';
import { Pipeline } from './pipeline.js';
import { settleEntries, settleEntry } from './reply-mapping.js';

const b64 = (text: string) => bytesToBase64(new TextEncoder().encode(text));

describe('settling reply entries', () => {
  const get = makeCommand(['GET', 'k'], asNullableString);

  it('maps a result through the command decoder', () => {
    expect(settleEntry(get, { result: 'v' }, false)).toEqual({ ok: true, value: 'v' });
    expect(settleEntry(get, { result: b64('v') }, true)).toEqual({ ok: true, value: 'v' });
    expect(settleEntry(get, { result: null }, true)).toEqual({ ok: true, value: null });
  });

  it('keeps the server error text unchanged', () => {
    const outcome = settleEntry(get, { error: 'NOSCRIPT No matching script. Please use EVAL.' }, false);
    if (outcome.ok) throw new Error('expected an error outcome');
    const error = outcome.error as SlotwayReplyError;
    expect(error).toBeInstanceOf(SlotwayReplyError);
    expect(error.message).toBe('NOSCRIPT No matching script. Please use EVAL.');
    expect(error.code).toBe('NOSCRIPT');
  });

  it('reports replies of the wrong shape as errors, not exceptions', () => {
    expect(settleEntry(get, { result: 5 }, false).ok).toBe(false);
    expect(settleEntry(get, 'garbage', false).ok).toBe(false);
    expect(settleEntry(get, {}, false).ok).toBe(false);
  });

  it('maps pipeline entries in order and detects a count mismatch', () => {
    const commands = [get, makeCommand(['INCR', 'n'], (r) => r as number)];
    const settled = settleEntries(commands, [{ result: 'a' }, { error: 'ERR not an integer' }], false);
    expect(settled[0]).toEqual({ ok: true, value: 'a' });
    expect(settled[1]!.ok).toBe(false);
    const short = settleEntries(commands, [{ result: 'a' }], false);
    expect(short.every((s) => !s.ok)).toBe(true);
  });
});

describe('reply decoders', () => {
  it('parses Redis doubles, infinities included', () => {
    expect(asScore('1.5')).toBe(1.5);
    expect(asScore('inf')).toBe(Number.POSITIVE_INFINITY);
    expect(asScore('-inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(asNullableScore(null)).toBeNull();
    expect(() => asScore('abc')).toThrow(/expected a number/);
  });

  it('turns flat pairs into records and scored members', () => {
    expect(asRecord(['f1', 'v1', 'f2', 'v2'])).toEqual({ f1: 'v1', f2: 'v2' });
    expect(asRecord([])).toEqual({});
    expect(asScoredMembers(['a', '1', 'b', '2.5'])).toEqual([
      { member: 'a', score: 1 },
      { member: 'b', score: 2.5 },
    ]);
    expect(asScoredMembers([['a', 1]])).toEqual([{ member: 'a', score: 1 }]);
    expect(() => asStrings([1])).toThrow(/expected a string/);
  });
});

describe('pipeline results', () => {
  // The runner answers as the server would, through the same mapping the transports use.
  const answering =
    (entries: unknown[]) =>
    async (commands: readonly unknown[]): Promise<Settled<unknown>[]> =>
      settleEntries(commands as Parameters<typeof settleEntries>[0], entries, false);

  it('types exec() as a tuple, command by command', async () => {
    const p = new Pipeline(
      answering([{ result: 'OK' }, { result: 'v' }, { result: 3 }, { result: ['1', '2'] }]),
    )
      .set('a', 'v')
      .get('a')
      .incr('n')
      .zscore('z', 'm');
    expectTypeOf(p.exec).returns.resolves.toEqualTypeOf<
      ['OK' | null, string | null, number, number | null]
    >();
    expect(p.length).toBe(4);
    // zscore of an array is a shape error: exec rejects with every outcome attached.
    const error = await p.exec().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlotwayPipelineError);
    expect((error as SlotwayPipelineError).results.map((r) => r.ok)).toEqual([true, true, true, false]);
  });

  it('resolves exec() when every command succeeded, and [] for an empty pipeline', async () => {
    const p = new Pipeline(answering([{ result: 'OK' }, { result: null }])).set('a', 'v').get('missing');
    expect(await p.exec()).toEqual(['OK', null]);
    expect(await new Pipeline(answering([])).exec()).toEqual([]);
  });
});
