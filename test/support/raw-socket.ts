// Raw TCP conversations with a RESP server (redis-server or the gateway) for tests that need the
// exact bytes: malformed input, one-write pipelines, many concurrent sockets. Every wait is bounded.

import net from 'node:net';
import { ReplyReader } from '../../src/protocol/reply-reader.js';
import { decodeFrame } from '../../src/protocol/resp-scanner.js';
import type { RespValue } from '../../src/protocol/resp-value.js';

export interface Exchange {
  /** Every byte the server sent. */
  reply: Buffer;
  /** Whether the server closed the connection before `waitMs` ran out. */
  closed: boolean;
}

/**
 * Connects, writes `input` in one write, and collects what comes back until the server closes the
 * connection or `waitMs` passes without it doing so.
 */
export function exchange(port: number, input: Buffer | string, waitMs = 800): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    let closed = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ reply: Buffer.concat(chunks), closed });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      closed = true;
      finish();
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A reset after the server closed on us still counts as a close; a refused connect does not.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
        closed = true;
        finish();
      } else if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.on('connect', () => socket.write(input));
  });
}

/** A connected socket that reads whole reply frames, for tests that count and order replies. */
export class RawConnection {
  private readonly reader = new ReplyReader();
  private readonly frames: Buffer[] = [];
  private waiter: { count: number; resolve(): void } | null = null;
  private failure: Error | null = null;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      for (let f = this.reader.next(); f !== null; f = this.reader.next()) this.frames.push(Buffer.from(f));
      this.wake();
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static connect(port: number, timeoutMs = 5000): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${port} timed out`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RawConnection(socket));
      });
    });
  }

  write(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** Waits for `count` more reply frames (in arrival order) and returns them decoded. */
  async read(count: number, timeoutMs = 10_000): Promise<RespValue[]> {
    const raw = await this.readRaw(count, timeoutMs);
    return raw.map((f) => decodeFrame(f));
  }

  /** Waits for `count` more reply frames and returns their bytes. */
  async readRaw(count: number, timeoutMs = 10_000): Promise<Buffer[]> {
    if (this.frames.length < count) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.waiter = null;
          reject(new Error(`got ${this.frames.length} of ${count} replies within ${timeoutMs} ms`));
        }, timeoutMs);
        this.waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            this.waiter = null;
            resolve();
          },
        };
        this.wake();
      });
    }
    if (this.frames.length < count) throw this.failure ?? new Error('connection closed');
    return this.frames.splice(0, count);
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    if (this.waiter && (this.frames.length >= this.waiter.count || this.failure)) this.waiter.resolve();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wake();
  }
}
