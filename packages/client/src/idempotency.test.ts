import { describe, expect, it } from 'vitest';
import { isIdempotent, isReadOnly } from './idempotency.js';

describe('command classification', () => {
  it('treats reads as read-only and idempotent, whatever the case', () => {
    for (const args of [
      ['GET', 'k'],
      ['mget', 'a', 'b'],
      ['HGETALL', 'h'],
      ['zrange', 'z', '0', '-1'],
      ['SCAN', '0'],
    ]) {
      expect(isReadOnly(args)).toBe(true);
      expect(isIdempotent(args)).toBe(true);
    }
  });

  it('knows read-only subcommands of container commands', () => {
    expect(isReadOnly(['SCRIPT', 'EXISTS', 'abc'])).toBe(true);
    expect(isReadOnly(['script', 'load', 'return 1'])).toBe(false);
    expect(isReadOnly(['CLUSTER', 'info'])).toBe(true);
    expect(isIdempotent(['CONFIG', 'SET', 'x', 'y'])).toBe(false);
  });

  it('allows the listed idempotent writes', () => {
    for (const args of [
      ['MSET', 'a', '1'],
      ['HSET', 'h', 'f', 'v'],
      ['DEL', 'k'],
      ['EXPIRE', 'k', '10'],
      ['PEXPIRE', 'k', '10'],
      ['PERSIST', 'k'],
      ['SADD', 's', 'm'],
      ['SREM', 's', 'm'],
      ['ZREM', 'z', 'm'],
      ['HDEL', 'h', 'f'],
    ]) {
      expect(isReadOnly(args)).toBe(false);
      expect(isIdempotent(args)).toBe(true);
    }
  });

  it('allows SET with expiry options but not NX or GET', () => {
    expect(isIdempotent(['SET', 'k', 'v'])).toBe(true);
    expect(isIdempotent(['SET', 'k', 'v', 'EX', '10', 'XX'])).toBe(true);
    expect(isIdempotent(['SET', 'k', 'v', 'nx'])).toBe(false);
    expect(isIdempotent(['SET', 'k', 'v', 'GET'])).toBe(false);
    // The value itself is not an option.
    expect(isIdempotent(['SET', 'k', 'NX'])).toBe(true);
  });

  it('allows ZADD unless INCR is among its options', () => {
    expect(isIdempotent(['ZADD', 'z', '1', 'a'])).toBe(true);
    expect(isIdempotent(['ZADD', 'z', 'GT', 'CH', '1', 'a'])).toBe(true);
    expect(isIdempotent(['ZADD', 'z', 'XX', 'INCR', '1', 'a'])).toBe(false);
    // A member called INCR after the first score is data, not the option.
    expect(isIdempotent(['ZADD', 'z', '1', 'INCR'])).toBe(true);
  });

  it('never retries counters, pushes, scripts or publishing', () => {
    for (const args of [
      ['INCR', 'k'],
      ['INCRBY', 'k', '2'],
      ['LPUSH', 'l', 'x'],
      ['RPOP', 'l'],
      ['EVAL', 'return 1', '0'],
      ['EVALSHA', 'abc', '0'],
      ['PUBLISH', 'c', 'm'],
      ['GETDEL', 'k'],
      ['APPEND', 'k', 'x'],
      ['ZINCRBY', 'z', '1', 'm'],
      ['UNKNOWNCMD'],
      [],
    ]) {
      expect(isIdempotent(args)).toBe(false);
    }
  });
});
