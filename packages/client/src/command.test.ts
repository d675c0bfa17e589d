import { describe, expect, it } from 'vitest';
import { makeCommand } from './command.js';
import { asIs } from './commands/reply-types.js';
import { pathStyleRequest, percentEncode } from './rest-transport.js';
import { socketUrl } from './socket/websocket-like.js';

describe('command arguments', () => {
  it('sends numbers in decimal and infinities as Redis spells them', () => {
    const c = makeCommand(['ZADD', 'z', 1.5, 'a', Number.NEGATIVE_INFINITY, 'b', 7], asIs);
    expect(c.args).toEqual(['ZADD', 'z', '1.5', 'a', '-inf', 'b', '7']);
    expect(() => makeCommand(['SET', 'k', Number.NaN], asIs)).toThrow(/NaN/);
  });

  it('sends UTF-8 bytes as strings and marks other bytes as binary', () => {
    const text = makeCommand(['SET', 'k', new TextEncoder().encode('ü')], asIs);
    expect(text.args).toEqual(['SET', 'k', 'ü']);
    expect(text.binary).toBeUndefined();
    const binary = makeCommand(['SET', 'k', new Uint8Array([0xff, 0x00])], asIs);
    expect(binary.binary).toEqual([
      new TextEncoder().encode('SET'),
      new TextEncoder().encode('k'),
      new Uint8Array([0xff, 0x00]),
    ]);
  });

  it('classifies idempotency from the arguments unless told', () => {
    expect(makeCommand(['GET', 'k'], asIs).idempotent).toBe(true);
    expect(makeCommand(['INCR', 'k'], asIs).idempotent).toBe(false);
    expect(makeCommand(['INCR', 'k'], asIs, { idempotent: true }).idempotent).toBe(true);
  });
});

describe('binary-safe path-style requests', () => {
  it('percent-encodes everything outside the unreserved set', () => {
    expect(percentEncode(new TextEncoder().encode('a b/c~'))).toBe('a%20b%2Fc~');
    expect(percentEncode(new Uint8Array([0, 0xff]))).toBe('%00%FF');
  });

  it('puts the last argument in the body and upper-cases the command name', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const request = pathStyleRequest([enc('set'), new Uint8Array([0xff]), new Uint8Array([1, 2])]);
    expect(request).toEqual({ path: '/SET/%FF', body: new Uint8Array([1, 2]) });
    expect(typeof pathStyleRequest([enc('SET'), enc('k'), new Uint8Array(0)])).toBe('string');
    expect(typeof pathStyleRequest([enc('GET'), enc('..'), new Uint8Array([0xff])])).toBe('string');
  });
});

describe('socketUrl', () => {
  it('derives the /ws URL from the HTTP base URL', () => {
    expect(socketUrl('http://127.0.0.1:8080', 'tok')).toBe('ws://127.0.0.1:8080/ws?token=tok');
    expect(socketUrl('https://h.example/api/', undefined)).toBe('wss://h.example/api/ws');
    expect(socketUrl('ws://h:1/ws', 'a b')).toBe('ws://h:1/ws?token=a+b');
    expect(() => socketUrl('ftp://x', undefined)).toThrow(TypeError);
  });
});
