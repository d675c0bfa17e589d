import { describe, expect, it } from 'vitest';
import { ReplyCounter, ReplyProtocolError } from './reply-counter.js';

const REPLIES = [
  '+OK\r\n',
  '-ERR wrong\r\n',
  ':12345\r\n',
  ':-3\r\n',
  '$5\r\nhello\r\n',
  '$0\r\n\r\n',
  '$-1\r\n',
  '*-1\r\n',
  '*0\r\n',
  '*3\r\n$1\r\na\r\n$-1\r\n$2\r\n\r\n\r\n',
  '*2\r\n*2\r\n:1\r\n+x\r\n*1\r\n-MOVED 1 a:1\r\n',
];
const STREAM = Buffer.from(REPLIES.join(''));

describe('ReplyCounter', () => {
  it('counts every top-level reply and every error, nested ones included', () => {
    const counter = new ReplyCounter();
    expect(counter.feed(STREAM)).toBe(REPLIES.length);
    expect(counter.errors).toBe(2);
  });

  it('gives the same count whatever the chunk boundaries', () => {
    for (let size = 1; size <= 7; size++) {
      const counter = new ReplyCounter();
      let total = 0;
      for (let i = 0; i < STREAM.length; i += size) total += counter.feed(STREAM.subarray(i, i + size));
      expect(total, `chunks of ${size}`).toBe(REPLIES.length);
    }
  });

  it('completes a reply only on its last byte', () => {
    const counter = new ReplyCounter();
    const reply = Buffer.from('*2\r\n$3\r\nabc\r\n:1\r\n');
    expect(counter.feed(reply.subarray(0, reply.length - 1))).toBe(0);
    expect(counter.feed(reply.subarray(reply.length - 1))).toBe(1);
  });

  it('skips large bulk payloads without looking at them', () => {
    const payload = Buffer.alloc(64 * 1024, 0x2a);
    const frame = Buffer.concat([Buffer.from(`$${payload.length}\r\n`), payload, Buffer.from('\r\n')]);
    const counter = new ReplyCounter();
    expect(counter.feed(Buffer.concat([frame, frame]))).toBe(2);
  });

  it('rejects bytes that cannot start a RESP2 reply', () => {
    expect(() => new ReplyCounter().feed(Buffer.from('hello\r\n'))).toThrow(ReplyProtocolError);
  });
});
