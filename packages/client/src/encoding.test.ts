import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, decodeReply, strictUtf8 } from './encoding.js';
import { SlotwayReplyError } from './errors.js';

const b64 = (text: string) => bytesToBase64(new TextEncoder().encode(text));

describe('base64', () => {
  it('round-trips every byte value, also beyond one chunk', () => {
    const bytes = new Uint8Array(70_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
    const back = base64ToBytes(bytesToBase64(bytes));
    expect(back.length).toBe(bytes.length);
    expect(back.findIndex((b, i) => b !== bytes[i])).toBe(-1);
  });

  it('matches the standard alphabet', () => {
    expect(bytesToBase64(new Uint8Array([0xff, 0xfe, 0x00]))).toBe('//4A');
    expect(b64('héllo')).toBe('aMOpbGxv');
  });

  it('tells valid UTF-8 from other bytes', () => {
    expect(strictUtf8(new TextEncoder().encode('ünïcode ✓'))).toBe('ünïcode ✓');
    expect(strictUtf8(new Uint8Array([0xff, 0x00]))).toBeUndefined();
  });
});

describe('decodeReply', () => {
  it('leaves plain JSON replies alone', () => {
    expect(decodeReply(['a', 1, null, ['b']], false, 'text')).toEqual(['a', 1, null, ['b']]);
  });

  it('decodes base64 strings at every depth, keeping a top-level OK', () => {
    expect(decodeReply('OK', true, 'text')).toBe('OK');
    expect(decodeReply(b64('value'), true, 'text')).toBe('value');
    expect(decodeReply([b64('a'), 3, null, [b64('ü')]], true, 'text')).toEqual(['a', 3, null, ['ü']]);
    // The WebSocket encodes OK too; decoding it gives OK.
    expect(decodeReply(b64('OK'), true, 'text')).toBe('OK');
  });

  it('returns bytes in bytes mode', () => {
    const raw = new Uint8Array([0, 1, 0xff]);
    expect(decodeReply(bytesToBase64(raw), true, 'bytes')).toEqual(raw);
    expect(decodeReply('abc', false, 'bytes')).toEqual(new TextEncoder().encode('abc'));
  });

  it('turns nested error objects (EXEC results) into SlotwayReplyError values', () => {
    const [ok, failed] = decodeReply(
      [b64('x'), { error: 'WRONGTYPE Operation against a key' }],
      true,
      'text',
    ) as [string, SlotwayReplyError];
    expect(ok).toBe('x');
    expect(failed).toBeInstanceOf(SlotwayReplyError);
    expect(failed.code).toBe('WRONGTYPE');
  });
});
