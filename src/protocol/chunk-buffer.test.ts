// ChunkBuffer's memory: a connection that has consumed everything it received keeps nothing alive.

import { describe, expect, it } from 'vitest';
import { ChunkBuffer } from './chunk-buffer.js';
import { ReplyReader } from './reply-reader.js';
import { RequestParser } from './request-parser.js';

describe('ChunkBuffer', () => {
  it('lets go of a joined block once every byte was consumed, and not before', () => {
    const c = new ChunkBuffer();
    c.append(Buffer.from('*1\r\n$4\r\nPI'));
    c.append(Buffer.from('NG\r\n*1\r\n'));
    expect(c.buf.toString()).toBe('*1\r\n$4\r\nPING\r\n*1\r\n');
    c.pos = 14;
    c.releaseIfConsumed();
    expect(c.buffered).toBe(4);
    expect(c.buf.length).toBe(18);
    c.pos = 18;
    c.releaseIfConsumed();
    expect(c.buf.length).toBe(0);
    expect(c.buffered).toBe(0);
    c.append(Buffer.from('*1\r\n$4\r\nPING\r\n'));
    expect(c.buf.toString()).toBe('*1\r\n$4\r\nPING\r\n');
  });

  it('joins a chunk that lies right after the rest in memory without copying or writing past it', () => {
    const slab = Buffer.alloc(64, 0x2e);
    slab.write('*1\r\n$4\r\nPI', 0);
    slab.write('NG\r\n', 10);
    const c = new ChunkBuffer();
    c.append(slab.subarray(0, 10));
    c.pos = 4;
    c.append(slab.subarray(10, 14));
    expect(c.buf.buffer).toBe(slab.buffer);
    expect(c.buf.subarray(c.pos).toString()).toBe('$4\r\nPING\r\n');
    // A chunk elsewhere is joined by copying, and the slab's free room is left untouched.
    c.append(Buffer.from('*1\r\n'));
    expect(c.buf.subarray(c.pos).toString()).toBe('$4\r\nPING\r\n*1\r\n');
    expect(slab.subarray(14).every((b) => b === 0x2e)).toBe(true);
  });

  it('keeps parked chunks of a large frame that is still arriving', () => {
    const c = new ChunkBuffer();
    c.append(Buffer.from('$100\r\n'));
    c.need = 108;
    c.append(Buffer.alloc(50, 0x61));
    c.releaseIfConsumed();
    expect(c.buffered).toBe(56);
  });
});

describe('RequestParser on a drained connection', () => {
  it('holds no bytes after the last request, and requests already returned stay intact', () => {
    const parser = new RequestParser();
    parser.push(Buffer.from('*2\r\n$3\r\nGET\r\n$3\r\nfo'));
    expect(parser.next()).toBeNull();
    parser.push(Buffer.from('o\r\n'));
    const request = parser.next();
    expect(parser.next()).toBeNull();
    const held = (parser as unknown as { chunks: ChunkBuffer }).chunks;
    expect(held.buf.length).toBe(0);
    parser.push(Buffer.from('*1\r\n$4\r\nPING\r\n'));
    expect(parser.next()?.args.map(String)).toEqual(['PING']);
    expect(request?.args.map(String)).toEqual(['GET', 'foo']);
    expect(request?.raw?.toString()).toBe('*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n');
  });
});

describe('ReplyReader on a drained connection', () => {
  it('lets go of the received bytes once every frame was handed out, and the frames stay intact', () => {
    const reader = new ReplyReader();
    reader.push(Buffer.from('+OK\r\n$3\r\nfo'));
    const first = reader.next();
    expect(reader.next()).toBeNull();
    reader.releaseIfConsumed();
    expect(reader.buffered).toBe(6);
    reader.push(Buffer.from('o\r\n'));
    const second = reader.next();
    reader.releaseIfConsumed();
    const held = (reader as unknown as { chunks: ChunkBuffer }).chunks;
    expect(held.buf.length).toBe(0);
    expect([first?.toString(), second?.toString()]).toEqual(['+OK\r\n', '$3\r\nfoo\r\n']);
  });
});
