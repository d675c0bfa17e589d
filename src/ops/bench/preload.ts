// Writes the keys a scenario reads before it runs, straight to the primaries (one pipelined socket per
// node, batches of SETs), so GETs return real values of the scenario's size.

import net from 'node:net';
import { encodeCommand } from '../../protocol/resp-encoder.js';
import { slotOf } from '../../topology/slot-hash.js';
import type { ClusterLayout } from './cluster-layout.js';
import type { Endpoint } from './load-client.js';
import { ReplyCounter } from './reply-counter.js';
import type { PreloadSpec } from './scenarios.js';

/** Bytes written per batch before waiting for its replies. */
const BATCH_BYTES = 1024 * 1024;

export class PreloadError extends Error {
  override readonly name = 'PreloadError';
}

export async function preload(layout: ClusterLayout, spec: PreloadSpec): Promise<void> {
  const value = Buffer.alloc(spec.valueBytes, 0x76);
  const perNode: Buffer[][] = layout.primaries.map(() => []);
  for (let i = 0; i < spec.keys; i++) {
    const key = `${spec.keyPrefix}${i}`;
    perNode[layout.slotNodes[slotOf(key)]!]!.push(encodeCommand(['SET', key, value]));
  }
  await Promise.all(layout.primaries.map((node, i) => writeAll(node, perNode[i]!)));
}

async function writeAll(node: Endpoint, frames: Buffer[]): Promise<void> {
  const socket = net.connect({ host: node.host, port: node.port });
  socket.setNoDelay(true);
  const counter = new ReplyCounter();
  let waiting: { left: number; resolve: () => void; reject: (e: Error) => void } | null = null;
  let failure: Error | null = null;
  const fail = (err: Error) => {
    failure ??= err;
    waiting?.reject(err);
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new PreloadError(`connection to ${node.host}:${node.port} closed`)));
  socket.on('data', (chunk: Buffer) => {
    if (!waiting) return;
    waiting.left -= counter.feed(chunk);
    if (waiting.left <= 0) waiting.resolve();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  try {
    for (let start = 0; start < frames.length; ) {
      let end = start;
      let bytes = 0;
      while (end < frames.length && bytes < BATCH_BYTES) bytes += frames[end++]!.length;
      const batch = frames.slice(start, end);
      const done = new Promise<void>((resolve, reject) => {
        waiting = { left: batch.length, resolve, reject };
      });
      if (failure) throw failure;
      socket.write(Buffer.concat(batch, bytes));
      await done;
      waiting = null;
      start = end;
    }
    if (counter.errors > 0) {
      throw new PreloadError(`${node.host}:${node.port} answered ${counter.errors} SETs with an error`);
    }
  } finally {
    socket.removeAllListeners('close');
    socket.destroy();
  }
}
