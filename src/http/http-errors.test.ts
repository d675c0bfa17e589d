import { describe, expect, it } from 'vitest';
import { asHttpError, errorBody, HttpError, redisError, statusOfRedisError } from './http-errors.js';

describe('asHttpError', () => {
  it('turns anything thrown into a JSON error with a status and a code, never an empty 500', () => {
    const cases: Array<[unknown, number, string, RegExp]> = [
      [new HttpError(429, 'RATE_LIMITED', 'RATELIMITED slow down'), 429, 'RATE_LIMITED', /^RATELIMITED/],
      [
        Object.assign(new Error('gateway link closed'), { name: 'LinkError' }),
        503,
        'UNAVAILABLE',
        /^TRYAGAIN/,
      ],
      [Object.assign(new Error('NOPERM no'), { name: 'SubscriptionError' }), 400, 'NOPERM', /^NOPERM no$/],
      [new TypeError('x is undefined'), 500, 'INTERNAL', /^ERR internal error: x is undefined$/],
      ['a thrown string', 500, 'INTERNAL', /^ERR internal error: a thrown string$/],
    ];
    for (const [thrown, status, code, message] of cases) {
      const err = asHttpError(thrown);
      expect(err.status, String(thrown)).toBe(status);
      const body = JSON.parse(errorBody(err)) as { error: string; code: string };
      expect(body.code).toBe(code);
      expect(body.error).toMatch(message);
    }
  });

  it('keeps Redis error text unchanged, its prefix as the code', () => {
    const err = redisError('NOSCRIPT No matching script. Please use EVAL.');
    expect(JSON.parse(errorBody(err))).toEqual({
      error: 'NOSCRIPT No matching script. Please use EVAL.',
      code: 'NOSCRIPT',
    });
    expect(redisError('lower case text').code).toBe('ERR');
    expect([
      statusOfRedisError('WRONGTYPE x'),
      statusOfRedisError('CLUSTERDOWN x'),
      statusOfRedisError('OOM x'),
      statusOfRedisError('ERR x'),
    ]).toEqual([409, 503, 507, 400]);
  });
});
