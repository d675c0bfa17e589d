import { describe, expect, it } from 'vitest';
import { crc16, SLOT_COUNT, slotOf } from './slot-hash.js';

describe('crc16', () => {
  it('matches the XMODEM check value', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3);
  });
});

describe('slotOf', () => {
  it('hashes keys sharing a hash tag to one slot', () => {
    expect(slotOf('{user1000}.a')).toBe(slotOf('{user1000}.b'));
    expect(slotOf('{user1000}.following')).toBe(slotOf('{user1000}.followers'));
    expect(slotOf('{user1000}.a')).toBe(slotOf('user1000'));
  });

  it('hashes the whole key when the first tag is empty or unclosed', () => {
    const whole = (k: string) => crc16(Buffer.from(k)) % SLOT_COUNT;
    expect(slotOf('foo{}{bar}')).toBe(whole('foo{}{bar}'));
    expect(slotOf('{}')).toBe(whole('{}'));
    expect(slotOf('{abc')).toBe(whole('{abc'));
    expect(slotOf('abc}')).toBe(whole('abc}'));
  });

  it('uses the bytes between the first { and the first } after it', () => {
    expect(slotOf('{{a}}')).toBe(slotOf('{a'));
    expect(slotOf('foo{{bar}}zap')).toBe(slotOf('{bar'));
    expect(slotOf('foo{bar}{zap}')).toBe(slotOf('bar'));
  });

  it('hashes binary keys byte for byte', () => {
    const key = Buffer.from([0xff, 0x00, 0x7b, 0x01, 0x7d, 0x80]);
    expect(slotOf(key)).toBe(crc16(Buffer.from([0x01])) % SLOT_COUNT);
    expect(slotOf(Buffer.from([0xc3, 0xa9]))).toBe(slotOf('é'));
  });

  it('agrees with known CLUSTER KEYSLOT answers', () => {
    expect(slotOf('foo')).toBe(12182);
    expect(slotOf('bar')).toBe(5061);
    expect(slotOf('')).toBe(0);
  });
});
