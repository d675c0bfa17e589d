import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { onreadOption, readChannel, readChunks } from './socket-reads.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

/** A loopback server whose accepted socket is read with readChunks; resolves with both ends. */
async function pair(onChunk: (chunk: Buffer) => void) {
  let accepted!: net.Socket;
  const server = net.createServer((socket) => {
    accepted = socket;
    readChunks(socket, { onChunk });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const client = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', resolve));
  while (!accepted) await new Promise((r) => setImmediate(r));
  cleanup.push(() => {
    client.destroy();
    accepted.destroy();
    server.close();
  });
  return { client, accepted };
}

/** A client socket connected with `onread` to a loopback server; resolves with the server's end. */
async function connectWith(onread: net.OnReadOpts): Promise<net.Socket> {
  let server!: net.Socket;
  const listener = net.createServer((s) => {
    server = s;
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;
  const socket = net.connect({ port, host: '127.0.0.1', onread });
  cleanup.push(() => {
    socket.destroy();
    server?.destroy();
    listener.close();
  });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  while (!server) await new Promise((r) => setImmediate(r));
  return server;
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(check()).toBe(true);
};

describe('readChunks', () => {
  it('hands out each read as a chunk of its own, not a view of the reused read buffer', async () => {
    const chunks: Buffer[] = [];
    const { client } = await pair((c) => chunks.push(c));
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      const text = `${String(i).padStart(2, '0')}:${'x'.repeat(i * 50)}|`;
      sent.push(text);
      client.write(text);
      const total = sent.join('').length;
      await until(() => Buffer.concat(chunks).length === total);
    }
    // Had a chunk been a view of the shared buffer, later reads would have overwritten it.
    expect(Buffer.concat(chunks).toString()).toBe(sent.join(''));
  });

  it('stops reading while paused and delivers what arrived once resumed', async () => {
    const chunks: Buffer[] = [];
    const { client, accepted } = await pair((c) => chunks.push(c));
    client.write('one');
    await until(() => chunks.length === 1);
    accepted.pause();
    client.write('two');
    await new Promise((r) => setTimeout(r, 50));
    expect(Buffer.concat(chunks).toString()).toBe('one');
    accepted.resume();
    await until(() => Buffer.concat(chunks).toString() === 'onetwo');
  });

  it("emits 'end' and 'close' when the peer closes, and publishes reads on the channel", async () => {
    const published: Buffer[] = [];
    const listener = (m: unknown) => published.push((m as { chunk: Buffer }).chunk);
    readChannel.subscribe(listener);
    cleanup.push(() => readChannel.unsubscribe(listener));
    const chunks: Buffer[] = [];
    const { client, accepted } = await pair((c) => chunks.push(c));
    const closed = new Promise<void>((resolve) => accepted.once('close', () => resolve()));
    client.end('bye');
    await closed;
    expect(Buffer.concat(chunks).toString()).toBe('bye');
    expect(published).toEqual(chunks);
  });

  it('reads a connecting socket given onreadOption the same way', async () => {
    const server = net.createServer((s) => s.end('hello from the server'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => server.close());
    const chunks: Buffer[] = [];
    const port = (server.address() as net.AddressInfo).port;
    const socket = net.connect({ port, host: '127.0.0.1', onread: onreadOption((c) => chunks.push(c)) });
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(Buffer.concat(chunks).toString()).toBe('hello from the server');
  });

  it('reads large chunks straight into one slab, each right after the previous, and stays correct', async () => {
    const chunks: Buffer[] = [];
    const server = await connectWith(onreadOption((c) => chunks.push(c)));
    // 2 MB of distinct bytes in 20 KB writes: more than several slabs' worth.
    const sent = Buffer.alloc(2 * 1024 * 1024);
    for (let i = 0; i < sent.length; i += 4) sent.writeUInt32LE(i, i);
    for (let at = 0; at < sent.length; at += 20 * 1024) {
      server.write(sent.subarray(at, at + 20 * 1024));
      const expected = Math.min(at + 20 * 1024, sent.length);
      await until(() => chunks.reduce((n, c) => n + c.length, 0) === expected);
    }
    expect(Buffer.concat(chunks).equals(sent)).toBe(true);
    // After the first large read, chunks are views of shared slabs, most right after the one before.
    const adjacent = chunks.filter(
      (c, i) =>
        i > 0 &&
        c.buffer === chunks[i - 1]!.buffer &&
        c.byteOffset === chunks[i - 1]!.byteOffset + chunks[i - 1]!.length,
    ).length;
    expect(adjacent).toBeGreaterThan(chunks.length / 2);
    expect(new Set(chunks.map((c) => c.buffer)).size).toBeLessThan(chunks.length / 2);

    // Small reads after that: back to copies of the shared buffer, none of them a view of a slab.
    const slabs = new Set(chunks.map((c) => c.buffer));
    chunks.length = 0;
    for (let i = 0; i < 40; i++) {
      server.write(`small ${i};`);
      await until(() => Buffer.concat(chunks).toString().endsWith(`small ${i};`));
    }
    expect(chunks.slice(-10).some((c) => slabs.has(c.buffer) || c.length >= 4096)).toBe(false);
  });

  it('copies every read, large ones too, for a connection opened with slabs: false', async () => {
    const chunks: Buffer[] = [];
    const server = await connectWith(onreadOption((c) => chunks.push(c), { slabs: false }));
    const sent = Buffer.alloc(256 * 1024, 0x61);
    server.write(sent);
    await until(() => chunks.reduce((n, c) => n + c.length, 0) === sent.length);
    expect(Buffer.concat(chunks).equals(sent)).toBe(true);
    // Each large chunk is a buffer of its own, exactly its size: nothing is a view of a bigger slab.
    for (const c of chunks.filter((c) => c.length >= 4096)) expect(c.buffer.byteLength).toBe(c.length);
  });
});
