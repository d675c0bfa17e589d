// Coalesces socket writes: everything queued for a socket during one event-loop turn goes out in one
// write (or one writev for large payloads) in the check phase that follows. Used by backend node
// connections and client sessions alike, so a pipeline costs one syscall per socket per batch.

import type { Socket } from 'node:net';

/** Total bytes above which a batch is written with writev instead of being concatenated. */
const CONCAT_LIMIT = 64 * 1024;

export class WriteQueue {
  chunks: Buffer[] = [];
  bytes = 0;
  scheduled = false;

  /** Called first thing in a flush: the owner may append a batch trailer (durable writes' WAIT). */
  beforeFlush: (() => void) | null = null;

  constructor(readonly socket: Socket) {}

  /** Adds a chunk to the batch being flushed (only from beforeFlush). */
  append(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /** Writes what is queued; returns false when the socket is buffering (backpressure). */
  flush(): boolean {
    this.beforeFlush?.();
    this.scheduled = false;
    const n = this.chunks.length;
    if (n === 0) return true;
    const socket = this.socket;
    if (socket.destroyed) {
      this.chunks = [];
      this.bytes = 0;
      return false;
    }
    let ok: boolean;
    if (n === 1) ok = socket.write(this.chunks[0]!);
    else if (this.bytes <= CONCAT_LIMIT) ok = socket.write(Buffer.concat(this.chunks, this.bytes));
    else {
      socket.cork();
      for (let i = 0; i < n - 1; i++) socket.write(this.chunks[i]!);
      ok = socket.write(this.chunks[n - 1]!);
      socket.uncork();
    }
    this.chunks = [];
    this.bytes = 0;
    return ok;
  }
}

let dirty: WriteQueue[] = [];
let immediateScheduled = false;

function flushAll(): void {
  immediateScheduled = false;
  const queues = dirty;
  dirty = [];
  for (let i = 0; i < queues.length; i++) queues[i]!.flush();
}

/** Queues `chunk` on `queue`; the write happens once this event-loop turn is over. */
export function enqueueWrite(queue: WriteQueue, chunk: Buffer): void {
  queue.chunks.push(chunk);
  queue.bytes += chunk.length;
  if (!queue.scheduled) {
    queue.scheduled = true;
    dirty.push(queue);
    if (!immediateScheduled) {
      immediateScheduled = true;
      setImmediate(flushAll);
    }
  }
}
