// Per-connection client state through Slotway in front of a 3x1 cluster: CLIENT SETNAME / GETNAME / ID
// answered by the gateway for the client's own connection (never set on a shared backend
// connection), CLIENT KILL / TRACKING refused with a clear error, CLIENT NO-EVICT accepted as a no-op,
// QUIT and RESET as in Redis.

import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../src/protocol/resp-encoder.js';
import { useCluster } from '../support/cluster.js';
import { useGateway } from '../support/gateway.js';
import { clientEntries, eventually } from '../support/node-state.js';
import { exchange, RawConnection } from '../support/raw-socket.js';
import { plain, record } from '../support/resp-plain.js';

async function send(c: RawConnection, ...commands: Array<Array<string | number>>) {
  c.write(Buffer.concat(commands.map((args) => encodeCommand(args))));
  return (await c.readRaw(commands.length)).map((f) => f.toString('latin1'));
}

describe('client state through Slotway (3x1 cluster)', () => {
  const cluster = useCluster({ primaries: 3, replicas: 1 });
  const gateway = useGateway(cluster);

  it('CLIENT SETNAME / GETNAME / ID belong to the client connection', async () => {
    const a = await RawConnection.connect(gateway().port);
    const b = await RawConnection.connect(gateway().port);
    try {
      expect(await send(a, ['CLIENT', 'GETNAME'])).toEqual(['$-1\r\n']);
      expect(await send(a, ['CLIENT', 'SETNAME', 'worker-a'], ['CLIENT', 'GETNAME'])).toEqual([
        '+OK\r\n',
        '$8\r\nworker-a\r\n',
      ]);
      expect(await send(a, ['CLIENT', 'SETNAME', 'has space'])).toEqual([
        '-ERR Client names cannot contain spaces, newlines or special characters.\r\n',
      ]);
      expect(await send(b, ['CLIENT', 'GETNAME'])).toEqual(['$-1\r\n']);

      const [idA] = await send(a, ['CLIENT', 'ID']);
      const [idB] = await send(b, ['CLIENT', 'ID']);
      expect(idA).toMatch(/^:\d+\r\n$/);
      expect(idA).not.toBe(idB);
      a.write(encodeCommand(['CLIENT', 'INFO']));
      const info = plain((await a.read(1))[0]!) as string;
      expect(info).toContain(`id=${idA!.slice(1, -2)} `);
      expect(info).toContain(' name=worker-a ');
      // HELLO reports the same id.
      a.write(encodeCommand(['HELLO', '2']));
      expect(plain(record((await a.read(1))[0]!).id!)).toBe(Number(idA!.slice(1, -2)));

      // Commands still go through the shared connections, which never took the name.
      expect(await send(a, ['SET', 'named', 'v'], ['GET', 'named'])).toEqual(['+OK\r\n', '$1\r\nv\r\n']);
      for (const node of cluster().nodes) {
        const admin = await cluster().client(node.port);
        try {
          for (const entry of await clientEntries(admin)) expect(entry.name).toBe('');
        } finally {
          admin.close();
        }
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it('CLIENT KILL, TRACKING, PAUSE and UNBLOCK are refused with a clear error', async () => {
    const c = await RawConnection.connect(gateway().port);
    try {
      const replies = await send(
        c,
        ['CLIENT', 'KILL', 'ID', '1'],
        ['CLIENT', 'TRACKING', 'on'],
        ['CLIENT', 'PAUSE', '1000'],
        ['CLIENT', 'UNBLOCK', '1'],
        ['PING'],
      );
      expect(replies[0]).toMatch(/^-ERR Slotway does not proxy CLIENT KILL: .*shared backend connections/);
      expect(replies[1]).toMatch(/^-ERR Slotway does not proxy CLIENT TRACKING: /);
      expect(replies[2]).toMatch(/^-ERR Slotway does not proxy CLIENT PAUSE: /);
      expect(replies[3]).toMatch(/^-ERR Slotway does not proxy CLIENT UNBLOCK: /);
      expect(replies[4]).toBe('+PONG\r\n');
    } finally {
      c.close();
    }
  });

  it('CLIENT NO-EVICT is accepted as a no-op, CLIENT REPLY only ON, as the command table says', async () => {
    const c = await RawConnection.connect(gateway().port);
    try {
      expect(
        await send(
          c,
          ['CLIENT', 'NO-EVICT', 'on'],
          ['CLIENT', 'NO-EVICT', 'OFF'],
          ['CLIENT', 'NO-EVICT', 'maybe'],
          ['CLIENT', 'REPLY', 'ON'],
          ['CLIENT', 'REPLY', 'OFF'],
          ['CLIENT', 'REPLY', 'SKIP'],
          ['PING'],
        ),
      ).toEqual([
        '+OK\r\n',
        '+OK\r\n',
        '-ERR syntax error\r\n',
        '+OK\r\n',
        '-ERR CLIENT REPLY OFF/SKIP is not supported through Slotway\r\n',
        '-ERR CLIENT REPLY OFF/SKIP is not supported through Slotway\r\n',
        '+PONG\r\n',
      ]);
      // No backend connection was told anything: NO-EVICT stays off on every node's clients.
      for (const node of cluster().nodes) {
        const admin = await cluster().client(node.port);
        try {
          for (const entry of await clientEntries(admin)) expect(entry.flags).not.toContain('e');
        } finally {
          admin.close();
        }
      }
    } finally {
      c.close();
    }
  });

  it('QUIT answers +OK after the earlier replies and closes the connection', async () => {
    const input = Buffer.concat([
      encodeCommand(['SET', 'quit:k', 'v']),
      encodeCommand(['GET', 'quit:k']),
      encodeCommand(['QUIT']),
      encodeCommand(['GET', 'quit:k']),
    ]);
    const result = await exchange(gateway().port, input, 3000);
    expect(result.reply.toString()).toBe('+OK\r\n$1\r\nv\r\n+OK\r\n');
    expect(result.closed).toBe(true);
  });

  it('RESET answers +RESET and drops MULTI, WATCH, subscriptions, the name and RESP3', async () => {
    const gw = gateway();
    const c = await RawConnection.connect(gw.port);
    const probe = await gw.client();
    try {
      // MULTI is dropped: EXEC afterwards has nothing to run.
      expect(
        await send(c, ['MULTI'], ['SET', 'reset:k', '1'], ['RESET'], ['EXEC'], ['EXISTS', 'reset:k']),
      ).toEqual(['+OK\r\n', '+QUEUED\r\n', '+RESET\r\n', '-ERR EXEC without MULTI\r\n', ':0\r\n']);

      // WATCH is dropped, with its dedicated backend connection.
      const before = gw.gateway.pool.dedicatedOpened;
      expect(await send(c, ['WATCH', 'reset:w'])).toEqual(['+OK\r\n']);
      expect(gw.gateway.pool.dedicatedOpened).toBe(before + 1);
      const session = gw.gateway.sessions().find((s) => s.watch !== null)!;
      expect(session.pinned.size).toBe(1);
      expect(await send(c, ['RESET'])).toEqual(['+RESET\r\n']);
      expect(session.pinned.size).toBe(0);
      expect(session.watch).toBeNull();

      // Subscriptions are dropped: the client leaves subscribe mode and the node forgets it.
      expect(await send(c, ['SUBSCRIBE', 'reset:ch'])).toEqual([
        '*3\r\n$9\r\nsubscribe\r\n$8\r\nreset:ch\r\n:1\r\n',
      ]);
      expect((await send(c, ['GET', 'reset:k']))[0]).toMatch(/^-ERR Can't execute 'get'/);
      expect(await send(c, ['RESET'], ['GET', 'reset:k'])).toEqual(['+RESET\r\n', '$-1\r\n']);
      await eventually(
        'the subscription to disappear from the cluster',
        async () => plain(await probe.call('PUBSUB', 'NUMSUB', 'reset:ch')),
        (v) => JSON.stringify(v) === JSON.stringify(['reset:ch', 0]),
      );

      // The name and RESP3 are dropped.
      expect(await send(c, ['CLIENT', 'SETNAME', 'before-reset'], ['HSET', 'reset:h', 'f', 'v'])).toEqual([
        '+OK\r\n',
        ':1\r\n',
      ]);
      c.write(encodeCommand(['HELLO', '3']));
      await c.read(1);
      expect(await send(c, ['HGETALL', 'reset:h'])).toEqual(['%1\r\n$1\r\nf\r\n$1\r\nv\r\n']);
      expect(await send(c, ['RESET'], ['HGETALL', 'reset:h'], ['CLIENT', 'GETNAME'])).toEqual([
        '+RESET\r\n',
        '*2\r\n$1\r\nf\r\n$1\r\nv\r\n',
        '$-1\r\n',
      ]);
    } finally {
      c.close();
      probe.close();
    }
  });
});
