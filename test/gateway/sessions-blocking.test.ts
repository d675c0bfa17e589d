// Blocking commands and WAIT through Slotway in front of a 3x1 cluster. Each blocking command runs on
// a dedicated backend connection, woken by another client's write; a client that disconnects while
// blocked frees its connection on the node at once (CLIENT LIST, INFO blocked_clients), and a
// finished one's connection is reused for the next blocking call, then closed once idle.

import { describe, expect, it } from 'vitest';
import type { AdminClient } from '../../src/backend/admin-client.js';
import { PINNED_IDLE_MS } from '../../src/gateway/pinned-connections.js';
import { encodeCommand } from '../../src/protocol/resp-encoder.js';
import { slotOf } from '../../src/topology/slot-hash.js';
import { type LocalCluster, useCluster } from '../support/cluster.js';
import { useGateway } from '../support/gateway.js';
import { clientEntries, commandCalls, eventually, infoFields } from '../support/node-state.js';
import { RawConnection } from '../support/raw-socket.js';
import { plain } from '../support/resp-plain.js';

function ownerPort(cluster: LocalCluster, key: string): number {
  const slot = slotOf(key);
  const node = cluster.nodes.find(
    (n) => n.role === 'primary' && n.slots.some(([from, to]) => slot >= from && slot <= to),
  );
  if (!node) throw new Error(`no primary owns slot ${slot}`);
  return node.port;
}

async function blockedClients(admins: readonly AdminClient[]): Promise<number> {
  let total = 0;
  for (const admin of admins) total += Number((await infoFields(admin, 'clients')).get('blocked_clients'));
  return total;
}

async function send(c: RawConnection, ...commands: Array<Array<string | number>>) {
  c.write(Buffer.concat(commands.map((args) => encodeCommand(args))));
  return (await c.read(commands.length)).map(plain);
}

describe('blocking commands through Slotway (3x1 cluster)', () => {
  const cluster = useCluster({ primaries: 3, replicas: 1 });
  // No periodic topology refresh: its short-lived discovery connections would blur the counts.
  const gateway = useGateway(cluster, { backend: { topologyRefreshMs: 3_600_000 } });

  async function primaryAdmins(): Promise<AdminClient[]> {
    return Promise.all(
      cluster()
        .nodes.filter((n) => n.role === 'primary')
        .map((n) => cluster().client(n.port)),
    );
  }

  it('BLPOP is woken by an LPUSH from another client', async () => {
    const gw = gateway();
    const admins = await primaryAdmins();
    const blocked = await RawConnection.connect(gw.port);
    const pusher = await RawConnection.connect(gw.port);
    try {
      blocked.write(encodeCommand(['BLPOP', 'jobs', '10']));
      await eventually(
        'BLPOP to block on the node',
        () => blockedClients(admins),
        (n) => n === 1,
      );
      // Woken with the element (its 10 s timeout would have answered null).
      expect(await send(pusher, ['LPUSH', 'jobs', 'job-1'])).toEqual([1]);
      expect((await blocked.read(1)).map(plain)).toEqual([['jobs', 'job-1']]);
      // The gateway's own connection kept working for other commands meanwhile.
      expect(await send(pusher, ['LLEN', 'jobs'])).toEqual([0]);
    } finally {
      blocked.close();
      pusher.close();
      for (const a of admins) a.close();
    }
  });

  it('BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP, XREAD BLOCK and XREADGROUP BLOCK wake on writes', async () => {
    const gw = gateway();
    const admins = await primaryAdmins();
    const writer = await RawConnection.connect(gw.port);
    expect(await send(writer, ['XGROUP', 'CREATE', '{b}gs', 'grp', '$', 'MKSTREAM'])).toEqual(['OK']);
    const waits: Array<Array<string | number>> = [
      ['BRPOP', '{b}l1', 10],
      ['BLMOVE', '{b}l2', '{b}dst', 'LEFT', 'RIGHT', 10],
      ['BRPOPLPUSH', '{b}l4', '{b}dst', 10],
      ['BLMPOP', 10, 2, '{b}none', '{b}l3', 'RIGHT', 'COUNT', 2],
      ['BZPOPMIN', '{b}z1', 10],
      ['BZPOPMAX', '{b}z2', 10],
      ['BZMPOP', 10, 1, '{b}z3', 'MIN', 'COUNT', 5],
      ['XREAD', 'COUNT', 5, 'BLOCK', 10_000, 'STREAMS', '{b}s', '$'],
      ['XREADGROUP', 'GROUP', 'grp', 'c1', 'BLOCK', 10_000, 'STREAMS', '{b}gs', '>'],
    ];
    const clients = await Promise.all(waits.map(() => RawConnection.connect(gw.port)));
    try {
      for (const [i, args] of waits.entries()) clients[i]!.write(encodeCommand(args));
      await eventually(
        'every command to block',
        () => blockedClients(admins),
        (n) => n === waits.length,
      );
      await send(
        writer,
        ['RPUSH', '{b}l1', 'a'],
        ['RPUSH', '{b}l2', 'b'],
        ['RPUSH', '{b}l4', 'f'],
        ['RPUSH', '{b}l3', 'c', 'd', 'e'],
        ['ZADD', '{b}z1', 1, 'low', 2, 'high'],
        ['ZADD', '{b}z2', 1, 'low', 2, 'high'],
        ['ZADD', '{b}z3', 3, 'x'],
        ['XADD', '{b}s', '1-1', 'f', 'v'],
        ['XADD', '{b}gs', '2-1', 'g', 'w'],
      );
      const replies = await Promise.all(clients.map(async (c) => plain((await c.read(1))[0]!)));
      expect(replies).toEqual([
        ['{b}l1', 'a'],
        'b',
        'f',
        ['{b}l3', ['e', 'd']],
        ['{b}z1', 'low', '1'],
        ['{b}z2', 'high', '2'],
        ['{b}z3', [['x', '3']]],
        [['{b}s', [['1-1', ['f', 'v']]]]],
        [['{b}gs', [['2-1', ['g', 'w']]]]],
      ]);
      expect(await send(writer, ['LRANGE', '{b}dst', 0, -1])).toEqual([['f', 'b']]); // BRPOPLPUSH pushes at the head
      expect(await blockedClients(admins)).toBe(0);

      // A timeout still answers a null, as Redis does.
      expect(await send(writer, ['BLPOP', '{b}empty', '0.1'])).toEqual([null]);
      expect(await send(writer, ['XREAD', 'BLOCK', 100, 'STREAMS', '{b}s', '$'])).toEqual([null]);
    } finally {
      writer.close();
      for (const c of clients) c.close();
      for (const a of admins) a.close();
    }
  });

  it('a blocked client that disconnects frees its connection on the node', async () => {
    const gw = gateway();
    const key = 'gone:queue';
    const admin = await cluster().client(ownerPort(cluster(), key));
    const blocked = await RawConnection.connect(gw.port);
    try {
      blocked.write(encodeCommand(['BLPOP', key, '0']));
      const entries = await eventually(
        'BLPOP to block on the node',
        () => clientEntries(admin),
        (list) => list.some((e) => e.cmd === 'blpop' && e.flags?.includes('b')),
      );
      const blockedId = entries.find((e) => e.cmd === 'blpop')!.id;
      expect((await infoFields(admin, 'clients')).get('blocked_clients')).toBe('1');

      blocked.close();
      await eventually(
        'the blocked connection to disappear',
        async () => ({
          present: (await clientEntries(admin)).some((e) => e.id === blockedId),
          blocked: (await infoFields(admin, 'clients')).get('blocked_clients'),
        }),
        (s) => !s.present && s.blocked === '0',
        5000,
      );
      // Nothing is left waiting for that list: a push stays in it.
      const other = await gw.client();
      try {
        await other.call('RPUSH', key, 'kept');
        expect(plain(await other.call('LRANGE', key, 0, -1))).toEqual(['kept']);
      } finally {
        other.close();
      }
    } finally {
      blocked.close();
      admin.close();
    }
  });

  it('reuses one dedicated connection for a loop of blocking calls and closes it once idle', async () => {
    const gw = gateway();
    const key = 'loop:queue';
    const admin = await cluster().client(ownerPort(cluster(), key));
    const c = await RawConnection.connect(gw.port);
    try {
      await send(c, ['DEL', key]);
      const baseline = (await clientEntries(admin)).length;
      const opened = gw.gateway.pool.dedicatedOpened;
      for (let i = 0; i < 5; i++) {
        expect(await send(c, ['RPUSH', key, `m${i}`], ['BLPOP', key, 1])).toEqual([1, [key, `m${i}`]]);
      }
      expect(gw.gateway.pool.dedicatedOpened).toBe(opened + 1);
      expect((await clientEntries(admin)).length).toBe(baseline + 1);
      await eventually(
        'the idle dedicated connection to close',
        async () => (await clientEntries(admin)).length,
        (n) => n === baseline,
        PINNED_IDLE_MS + 3000,
      );
    } finally {
      c.close();
      admin.close();
    }
  });

  it('a blocking command after HELLO 3 answers in RESP3 though the previous one ran on RESP2', async () => {
    const c = await RawConnection.connect(gateway().port);
    try {
      c.write(encodeCommand(['ZADD', 'proto:z', '1.5', 'a', '2.5', 'b']));
      await c.read(1);
      c.write(encodeCommand(['BZPOPMIN', 'proto:z', 1]));
      expect((await c.readRaw(1))[0]!.toString()).toBe('*3\r\n$7\r\nproto:z\r\n$1\r\na\r\n$3\r\n1.5\r\n');
      c.write(encodeCommand(['HELLO', '3']));
      await c.read(1);
      c.write(encodeCommand(['BZPOPMIN', 'proto:z', 1]));
      expect((await c.readRaw(1))[0]!.toString()).toBe('*3\r\n$7\r\nproto:z\r\n$1\r\nb\r\n,2.5\r\n');
    } finally {
      c.close();
    }
  });

  it('blocking commands pipelined around HELLO 3 on one node each answer in their own protocol', async () => {
    const gw = gateway();
    const c = await RawConnection.connect(gw.port);
    const writer = await RawConnection.connect(gw.port);
    try {
      // The second runs behind the first on the same dedicated connection, switched to RESP3 between.
      c.write(
        Buffer.concat([
          encodeCommand(['BLPOP', '{hp}list', 10]),
          encodeCommand(['HELLO', '3']),
          encodeCommand(['BZPOPMIN', '{hp}zset', 10]),
        ]),
      );
      const admin = await cluster().client(ownerPort(cluster(), '{hp}list'));
      try {
        await eventually(
          'BLPOP to block on the node',
          () => clientEntries(admin),
          (list) => list.some((e) => e.cmd === 'blpop'),
        );
      } finally {
        admin.close();
      }
      expect(await send(writer, ['RPUSH', '{hp}list', 'x'], ['ZADD', '{hp}zset', '1.5', 'm'])).toEqual([
        1, 1,
      ]);
      const [blpop, hello, bzpopmin] = (await c.readRaw(3)).map((f) => f.toString());
      expect(blpop).toBe('*2\r\n$8\r\n{hp}list\r\n$1\r\nx\r\n');
      expect(hello!.startsWith('%')).toBe(true);
      expect(bzpopmin).toBe('*3\r\n$8\r\n{hp}zset\r\n$1\r\nm\r\n,1.5\r\n');
    } finally {
      c.close();
      writer.close();
    }
  });

  it('twenty blocked clients do not hold up anyone else', async () => {
    const gw = gateway();
    const admins = await primaryAdmins();
    const blocked = await Promise.all(Array.from({ length: 20 }, () => RawConnection.connect(gw.port)));
    const other = await RawConnection.connect(gw.port);
    try {
      for (const [i, c] of blocked.entries()) c.write(encodeCommand(['BLPOP', `many:${i}`, 10]));
      await eventually(
        'all twenty to block',
        () => blockedClients(admins),
        (n) => n === 20,
      );
      const keys = Array.from({ length: 30 }, (_, i) => [`free:${i}`, i] as const);
      expect(await send(other, ...keys.map(([k, v]) => ['SET', k, v]))).toEqual(keys.map(() => 'OK'));
      expect(await send(other, ['MGET', ...keys.map(([k]) => k)])).toEqual([keys.map(([, v]) => String(v))]);
      // Answered while all twenty were still blocked on the nodes.
      expect(await blockedClients(admins)).toBe(20);
      for (const c of blocked) c.close();
      await eventually(
        'every blocked connection to go',
        () => blockedClients(admins),
        (n) => n === 0,
      );
    } finally {
      for (const c of blocked) c.close();
      other.close();
      for (const a of admins) a.close();
    }
  });

  it('WAIT after writes answers 1 on a cluster with one replica per primary', async () => {
    const c = await RawConnection.connect(gateway().port);
    try {
      expect(await send(c, ['SET', 'wait:a', 1], ['SET', 'wait:b', 2], ['INCR', 'wait:c'])).toEqual([
        'OK',
        'OK',
        1,
      ]);
      expect(await send(c, ['WAIT', 1, 2000])).toEqual([1]);
      // Asking for more replicas than exist times out with the count that did confirm.
      expect(await send(c, ['SET', 'wait:a', 3], ['WAIT', 2, 100])).toEqual(['OK', 1]);
      // Without writes since the last WAIT there is nothing to wait for.
      expect(await send(c, ['WAIT', 1, 1000])).toEqual([1]);
      expect(await send(c, ['WAIT', 1])).toEqual(["ERR wrong number of arguments for 'wait' command"]);
    } finally {
      c.close();
    }
  });

  it('a WAIT pipelined right after a write waits for that write: 0 while its replica is stopped', async () => {
    const key = '{ws}key';
    const owner = ownerPort(cluster(), key);
    const ownerId = cluster().nodes.find((n) => n.port === owner)!.id;
    const replica = cluster().nodes.find((n) => n.primaryId === ownerId)!;
    await cluster().killNode(replica.port, 'SIGSTOP');
    try {
      // Fresh clients, so nothing is remembered from earlier writes; three of them, so a WAIT sent
      // to "any" primary instead would have hit one whose replica is alive.
      for (let i = 0; i < 3; i++) {
        const c = await RawConnection.connect(gateway().port);
        try {
          expect(await send(c, ['SET', key, i], ['WAIT', 1, 300])).toEqual(['OK', 0]);
        } finally {
          c.close();
        }
      }
    } finally {
      await cluster().killNode(replica.port, 'SIGCONT');
    }
    const c = await RawConnection.connect(gateway().port);
    try {
      expect(await send(c, ['SET', key, 'after'], ['WAIT', 1, 5000])).toEqual(['OK', 1]);
    } finally {
      c.close();
    }
  });

  it('a WAIT pipelined right after MULTI/EXEC is asked on the node that ran it', async () => {
    const key = '{wx}key';
    const admin = await cluster().client(ownerPort(cluster(), key));
    const c = await RawConnection.connect(gateway().port);
    try {
      const waitsBefore = await commandCalls(admin, 'wait');
      expect(await send(c, ['MULTI'], ['SET', key, 1], ['INCR', key], ['EXEC'], ['WAIT', 1, 2000])).toEqual([
        'OK',
        'QUEUED',
        'QUEUED',
        ['OK', 2],
        1,
      ]);
      expect(await commandCalls(admin, 'wait')).toBe(waitsBefore + 1);
    } finally {
      c.close();
      admin.close();
    }
  });
});
