// The limits that protect the gateway from its clients, each judged against a real redis-server given
// the same limit: max clients (listen.maxClients vs maxclients), max request size
// (listen.maxRequestBytes vs proto-max-bulk-len) and idle timeout (listen.idleTimeoutMs vs timeout).
// A client hitting a limit must see what Redis would show it, byte for byte, and nobody else may
// notice. (The client output-buffer limit has its own suite: slow-reader.test.ts.)

import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replyText } from '../../src/backend/admin-client.js';
import { encodeCommand } from '../../src/protocol/resp-encoder.js';
import { useCluster, useStandalone } from '../support/cluster.js';
import { pollUntil } from '../support/cluster-state.js';
import { useGateway } from '../support/gateway.js';
import { exchange, RawConnection } from '../support/raw-socket.js';

const MAX_CLIENTS = 5;
const MAX_REQUEST = 1024 * 1024;
const IDLE_MS = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The next reply frame on `c`, as text. */
async function nextReply(c: RawConnection): Promise<string> {
  return (await c.readRaw(1, 2000))[0]!.toString('latin1');
}

/** Opens connections to `port` that each answer PING, until one is refused; at most `max` + 1. */
async function fillUp(port: number, max: number) {
  const open: RawConnection[] = [];
  const ping = encodeCommand(['PING']);
  for (let i = 0; i <= max; i++) {
    const c = await RawConnection.connect(port);
    c.socket.write(ping);
    const reply = await nextReply(c).catch((err: Error) => err.message);
    if (reply !== '+PONG\r\n') {
      c.close();
      return { open, refusedAfter: i };
    }
    open.push(c);
  }
  return { open, refusedAfter: null };
}

/** Whether the server closes an idle connection within `waitMs`, and what it sent before closing. */
function idleConnection(port: number, waitMs: number) {
  return exchange(port, Buffer.alloc(0), waitMs);
}

describe('client limits, with Redis wording', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  const redis = useStandalone({
    extraArgs: [
      '--maxclients',
      String(MAX_CLIENTS),
      '--proto-max-bulk-len',
      String(MAX_REQUEST),
      '--timeout',
      String(IDLE_MS / 1000),
    ],
  });
  const gateway = useGateway(cluster, {
    listen: { maxClients: MAX_CLIENTS, maxRequestBytes: MAX_REQUEST, idleTimeoutMs: IDLE_MS },
  });

  it('refuses a connection past max clients with "-ERR max number of clients reached", as Redis does', async () => {
    const fromRedis = await fillUp(redis().nodes[0]!.port, 10);
    const refusedByRedis = await exchange(redis().nodes[0]!.port, '', 500);
    for (const c of fromRedis.open) c.close();

    const fromSlotway = await fillUp(gateway().port, MAX_CLIENTS);
    try {
      expect(fromSlotway.open.length).toBe(MAX_CLIENTS);
      expect(fromSlotway.refusedAfter).toBe(MAX_CLIENTS);
      const refused = await exchange(gateway().port, '', 500);
      expect(refused.reply.toString('latin1')).toBe('-ERR max number of clients reached\r\n');
      expect({ reply: refused.reply.toString('latin1'), closed: refused.closed }).toEqual({
        reply: refusedByRedis.reply.toString('latin1'),
        closed: refusedByRedis.closed,
      });
      // The clients already connected are not affected, and a freed place is taken again.
      for (const c of fromSlotway.open) {
        c.socket.write(encodeCommand(['PING']));
        expect(await nextReply(c)).toBe('+PONG\r\n');
      }
      // A refused connection is closed for good: a hundred of them leave no descriptor behind (this
      // process runs both the gateway and the clients).
      const fds = () => readdirSync('/proc/self/fd').length;
      const fdsBefore = fds();
      const rejectedBefore = gateway().gateway.stats.clientsRejected;
      for (let i = 0; i < 100; i++) await exchange(gateway().port, '', 100);
      expect(gateway().gateway.stats.clientsRejected - rejectedBefore).toBe(100);
      await pollUntil('the refused connections to be closed', async () => fds() <= fdsBefore + 5, 5000, 50);
      fromSlotway.open.pop()!.close();
      await pollUntil(
        'the freed place to be taken again',
        async () =>
          (await exchange(gateway().port, encodeCommand(['PING']), 300)).reply.toString() === '+PONG\r\n',
        5000,
        50,
      );
    } finally {
      for (const c of fromSlotway.open) c.close();
      await pollUntil(
        'the gateway to see the clients gone',
        async () => gateway().gateway.sessions().length === 0,
        5000,
      );
    }
  });

  it("refuses a request larger than the limit with Redis's protocol error and closes, others unaffected", async () => {
    const bystander = await gateway().client();
    try {
      const fits = Buffer.alloc(MAX_REQUEST - 1024, 'a');
      expect(replyText(await bystander.call('SET', 'limits:big', fits))).toBe('OK');
      // The header of a SET whose value is one byte over the limit: the server judges the length.
      const header = `*3\r\n$3\r\nSET\r\n$10\r\nlimits:big\r\n$${MAX_REQUEST + 1}\r\n`;
      const [fromRedis, fromSlotway] = await Promise.all([
        exchange(redis().nodes[0]!.port, header, 2000),
        exchange(gateway().port, header, 2000),
      ]);
      expect(fromSlotway).toEqual({
        reply: Buffer.from('-ERR Protocol error: invalid bulk length\r\n'),
        closed: true,
      });
      expect(fromSlotway).toEqual(fromRedis);
      // With the whole value sent in one write, the gateway still gets the error to the client before
      // closing. (Redis closes with the value unread, so its kernel may reset the connection and the
      // client then never sees the error.)
      const whole = encodeCommand(['SET', 'limits:big', Buffer.alloc(MAX_REQUEST + 1, 'b')]);
      expect(await exchange(gateway().port, whole, 2000)).toEqual(fromSlotway);
      // The refused SETs never ran, and the client that behaved saw nothing of them.
      const stored = await bystander.call('GET', 'limits:big');
      expect(stored.type === 'bulk' && stored.value.equals(fits)).toBe(true);
    } finally {
      bystander.close();
    }
  });

  it('closes an idle client without a word, as Redis does, but not a busy, blocked or subscribed one', async () => {
    const started = Date.now();
    const [fromRedis, fromSlotway] = await Promise.all([
      idleConnection(redis().nodes[0]!.port, 4 * IDLE_MS),
      idleConnection(gateway().port, 4 * IDLE_MS),
    ]);
    const closedAfterMs = Date.now() - started;
    expect(fromSlotway).toEqual({ reply: Buffer.alloc(0), closed: true });
    expect(fromSlotway).toEqual(fromRedis);

    // Kept open for three idle periods: one sending a PING every fifth of one, one blocked in BLPOP,
    // one subscribed.
    const busy = await RawConnection.connect(gateway().port);
    const blocked = await RawConnection.connect(gateway().port);
    const subscriber = await RawConnection.connect(gateway().port);
    try {
      blocked.socket.write(encodeCommand(['BLPOP', 'limits:queue', '0']));
      subscriber.socket.write(encodeCommand(['SUBSCRIBE', 'limits:channel']));
      await nextReply(subscriber);
      const until = Date.now() + 3 * IDLE_MS;
      for (let i = 0; i < 100 && Date.now() < until; i++) {
        busy.socket.write(encodeCommand(['PING']));
        expect(await nextReply(busy)).toBe('+PONG\r\n');
        await sleep(IDLE_MS / 5);
      }
      for (const c of [busy, blocked, subscriber]) expect(c.socket.destroyed).toBe(false);
      // The blocked client gets its reply, then is idle like any other and is closed.
      const pusher = await gateway().client();
      try {
        expect(await pusher.call('LPUSH', 'limits:queue', 'job')).toEqual({ type: 'integer', value: 1 });
      } finally {
        pusher.close();
      }
      expect(await nextReply(blocked)).toBe('*2\r\n$12\r\nlimits:queue\r\n$3\r\njob\r\n');
      await pollUntil(
        'the no longer blocked client to be closed',
        async () => blocked.socket.destroyed,
        5 * IDLE_MS,
        50,
      );
      expect(subscriber.socket.destroyed).toBe(false);
      console.log(
        '[limits] idle timeout',
        JSON.stringify({ idleTimeoutMs: IDLE_MS, idleClientClosedWithinMs: closedAfterMs }),
      );
    } finally {
      for (const c of [busy, blocked, subscriber]) c.close();
    }
  });
});
