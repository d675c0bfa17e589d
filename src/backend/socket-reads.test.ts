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
    readChunks(socket, onChunk);
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
});
