// Watches the real sockets of an in-process gateway: pass-through spies on net.Socket's `write` and
// `emit('data')`, plus the channel that sockets read in `onread` mode publish on, record which socket
// carried which Buffer, so tests can count writes per backend connection and check that forwarded
// frames are views of received bytes. Nothing is replaced.

import net from 'node:net';
import { type MockInstance, vi } from 'vitest';
import { readChannel } from '../../src/backend/socket-reads.js';

export interface Recorded {
  socket: net.Socket;
  chunk: Buffer;
}

/** Records every socket write and every 'data' chunk until stopped; the calls themselves go through. */
export function recordSockets(): { writes: Recorded[]; reads: Recorded[]; stop(): void } {
  const writes: Recorded[] = [];
  const reads: Recorded[] = [];
  const proto = net.Socket.prototype;
  const originalWrite = proto.write;
  const originalEmit = proto.emit;
  const write: MockInstance = vi.spyOn(proto, 'write').mockImplementation(function (
    this: net.Socket,
    ...args: Parameters<net.Socket['write']>
  ) {
    if (Buffer.isBuffer(args[0])) writes.push({ socket: this, chunk: args[0] });
    return originalWrite.apply(this, args);
  } as net.Socket['write']);
  const emit: MockInstance = vi.spyOn(proto, 'emit').mockImplementation(function (
    this: net.Socket,
    event: string | symbol,
    ...args: unknown[]
  ) {
    if (event === 'data' && Buffer.isBuffer(args[0])) reads.push({ socket: this, chunk: args[0] });
    return originalEmit.apply(this, [event, ...args] as Parameters<net.Socket['emit']>);
  } as net.Socket['emit']);
  const onRead = (message: unknown) => reads.push(message as Recorded);
  readChannel.subscribe(onRead);
  return {
    writes,
    reads,
    stop() {
      write.mockRestore();
      emit.mockRestore();
      readChannel.unsubscribe(onRead);
    },
  };
}

/** True when `part` is a view into the memory of `whole` (same bytes, not a copy). */
export function isSliceOf(part: Buffer, whole: Buffer): boolean {
  return (
    part.buffer === whole.buffer &&
    part.byteOffset >= whole.byteOffset &&
    part.byteOffset + part.length <= whole.byteOffset + whole.length
  );
}
