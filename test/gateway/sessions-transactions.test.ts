// MULTI/EXEC/DISCARD/WATCH/UNWATCH through Slotway in front of a 3x1 cluster: replies byte-for-byte
// equal to a plain Redis's, the queue-time errors Redis gives (CROSSSLOT then EXECABORT), WATCH
// aborting EXEC after another client's write, and dedicated backend connections taken only for
// WATCH and given back at EXEC / DISCARD / UNWATCH / disconnect (counted on the node itself).

import { describe, expect, it } from 'vitest';
import type { AdminClient } from '../../src/backend/admin-client.js';
import { replyText } from '../../src/backend/admin-client.js';
import { encodeCommand } from '../../src/protocol/resp-encoder.js';
import { slotOf } from '../../src/topology/slot-hash.js';
import { type LocalCluster, useCluster, useStandalone } from '../support/cluster.js';
import { useGateway } from '../support/gateway.js';
import { clientEntries, eventually } from '../support/node-state.js';
import { RawConnection } from '../support/raw-socket.js';

/** Sends each command and waits for its reply before the next; returns the raw reply bytes. */
async function converse(port: number, lines: readonly string[]): Promise<string[]> {
  const c = await RawConnection.connect(port);
  try {
    const replies: string[] = [];
    for (const line of lines) {
      c.write(encodeCommand(line.split(' ')));
      const [frame] = await c.readRaw(1);
      replies.push(frame!.toString('latin1'));
    }
    return replies;
  } finally {
    c.close();
  }
}

/** The primary that owns `key`'s slot at start-up. */
function ownerPort(cluster: LocalCluster, key: string): number {
  const slot = slotOf(key);
  const node = cluster.nodes.find(
    (n) => n.role === 'primary' && n.slots.some(([from, to]) => slot >= from && slot <= to),
  );
  if (!node) throw new Error(`no primary owns slot ${slot}`);
  return node.port;
}

/** Connections the node has open, other than the admin connection asking. */
async function connectionCount(admin: AdminClient): Promise<number> {
  return (await clientEntries(admin)).length;
}

const SCRIPT = [
  'MULTI',
  'SET {t}a 1',
  'INCR {t}a',
  'RPUSH {t}l x y z',
  'LRANGE {t}l 0 -1',
  'INCR {t}l',
  'HSET {t}h f v g w',
  'HGETALL {t}h',
  'ZADD {t}z 1.5 m',
  'ZSCORE {t}z m',
  'PING',
  'ECHO hi',
  'EXEC',
  'EXEC',
  'DISCARD',
  'MULTI',
  'MULTI',
  'WATCH {t}a',
  'GET {t}a',
  'EXEC',
  'MULTI',
  'SET {t}a 100',
  'DISCARD',
  'GET {t}a',
  'MULTI',
  'NOSUCHCOMMAND x y',
  'SET {t}a 200',
  'EXEC',
  'GET {t}a',
  'MULTI',
  'GET',
  'EXEC',
  'MULTI',
  'EXEC',
  'WATCH {t}a {t}b',
  'UNWATCH',
  'WATCH {t}a',
  'MULTI',
  'INCR {t}a',
  'BLPOP {t}empty 1',
  'EXEC',
  'UNWATCH',
];

describe('transactions through Slotway (3x1 cluster)', () => {
  const cluster = useCluster({ primaries: 3, replicas: 1 });
  const plainRedis = useStandalone();
  // No periodic topology refresh: its short-lived discovery connections would blur the counts.
  const gateway = useGateway(cluster, { backend: { topologyRefreshMs: 3_600_000 } });

  it('MULTI / EXEC / DISCARD / WATCH replies equal a plain Redis, in RESP2 and RESP3', async () => {
    const direct = plainRedis().nodes[0]!.port;
    expect(await converse(gateway().port, SCRIPT)).toEqual(await converse(direct, SCRIPT));

    // RESP3: maps and doubles inside EXEC's array. HELLO's own reply differs (mode, id): dropped.
    const resp3 = ['HELLO 3', 'DEL {t}a {t}l {t}h {t}z', ...SCRIPT];
    const viaGateway = (await converse(gateway().port, resp3)).slice(1);
    const viaRedis = (await converse(direct, resp3)).slice(1);
    expect(viaGateway).toEqual(viaRedis);
    expect(viaGateway.join('')).toContain('%2\r\n');
    expect(viaGateway.join('')).toContain(',1.5\r\n');
  });

  it('HELLO between WATCH and EXEC: the block answers in the new protocol, as from a plain Redis', async () => {
    // The WATCH connection was opened in the old protocol; it must switch, not reconnect (losing the WATCH).
    const script = [
      'DEL {p}h {p}z',
      'HSET {p}h f v',
      'ZADD {p}z 1.5 a 2.5 b',
      'WATCH {p}h',
      'HELLO 3',
      'MULTI',
      'HGETALL {p}h',
      'ZSCORE {p}z a',
      'EXEC',
      'WATCH {p}h',
      'HELLO 2',
      'MULTI',
      'HGETALL {p}h',
      'EXEC',
      'WATCH {p}h',
      'HELLO 3',
      'BZPOPMIN {p}z 1',
      'HGETALL {p}h',
    ];
    // HELLO's own reply differs (mode, id): dropped.
    const withoutHello = (replies: string[]) => replies.filter((_, i) => !script[i]!.startsWith('HELLO'));
    const viaGateway = withoutHello(await converse(gateway().port, script));
    expect(viaGateway).toEqual(withoutHello(await converse(plainRedis().nodes[0]!.port, script)));
    expect(viaGateway[7]).toBe('*2\r\n%1\r\n$1\r\nf\r\n$1\r\nv\r\n,1.5\r\n');
  });

  it('a key of another slot inside MULTI gets CROSSSLOT and EXEC answers EXECABORT', async () => {
    const replies = await converse(gateway().port, [
      'MULTI',
      'SET {x}k 1',
      'SET {y}k 2',
      'EXEC',
      'EXISTS {x}k',
      'MULTI',
      'SET {x}k 1',
      'SET {x}j 2',
      'MGET {x}k {x}j',
      'EXEC',
    ]);
    expect(replies).toEqual([
      '+OK\r\n',
      '+QUEUED\r\n',
      "-CROSSSLOT Keys in request don't hash to the same slot\r\n",
      '-EXECABORT Transaction discarded because of previous errors.\r\n',
      ':0\r\n',
      '+OK\r\n',
      '+QUEUED\r\n',
      '+QUEUED\r\n',
      '+QUEUED\r\n',
      '*3\r\n+OK\r\n+OK\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n',
    ]);
  });

  it('connection-state commands inside MULTI are refused and never reach a shared backend connection', async () => {
    const replies = await converse(gateway().port, [
      'MULTI',
      'SET {s}k 1',
      'HELLO 3',
      'CLIENT SETNAME sneaky',
      'SELECT 0',
      'EXEC',
    ]);
    expect(replies[0]).toBe('+OK\r\n');
    expect(replies[1]).toBe('+QUEUED\r\n');
    for (const refused of replies.slice(2, 5))
      expect(refused).toMatch(/^-ERR .* is not allowed inside MULTI/);
    expect(replies[5]).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
    // The shared connections to that node still answer RESP2 clients in RESP2 ...
    const lines = ['HSET {s}h f v', ...Array.from({ length: 8 }, () => 'HGETALL {s}h')];
    for (const reply of (await converse(gateway().port, lines)).slice(1)) {
      expect(reply).toBe('*2\r\n$1\r\nf\r\n$1\r\nv\r\n');
    }
    // ... and none of them took the client's name.
    const admin = await cluster().client(ownerPort(cluster(), '{s}k'));
    try {
      for (const entry of await clientEntries(admin)) expect(entry.name).toBe('');
    } finally {
      admin.close();
    }
  });

  it('WATCH + a concurrent write from another client aborts EXEC with a null reply', async () => {
    const gw = gateway();
    const watcher = await RawConnection.connect(gw.port);
    const other = await gw.client();
    try {
      await other.call('SET', '{w}balance', '10');
      watcher.write(encodeCommand(['WATCH', '{w}balance']));
      expect((await watcher.readRaw(1))[0]!.toString()).toBe('+OK\r\n');
      // The other client changes the watched key between WATCH and EXEC.
      await other.call('INCRBY', '{w}balance', '5');
      watcher.write(
        Buffer.concat([
          encodeCommand(['MULTI']),
          encodeCommand(['DECRBY', '{w}balance', '10']),
          encodeCommand(['EXEC']),
        ]),
      );
      const aborted = (await watcher.readRaw(3)).map((f) => f.toString());
      expect(aborted).toEqual(['+OK\r\n', '+QUEUED\r\n', '*-1\r\n']);
      expect(replyText(await other.call('GET', '{w}balance'))).toBe('15');

      // Without interference the same transaction commits.
      watcher.write(
        Buffer.concat([
          encodeCommand(['WATCH', '{w}balance']),
          encodeCommand(['MULTI']),
          encodeCommand(['DECRBY', '{w}balance', '10']),
          encodeCommand(['EXEC']),
        ]),
      );
      const committed = (await watcher.readRaw(4)).map((f) => f.toString());
      expect(committed).toEqual(['+OK\r\n', '+OK\r\n', '+QUEUED\r\n', '*1\r\n:5\r\n']);
    } finally {
      watcher.close();
      other.close();
    }
  });

  it('EXEC does not run the block when the connection holding the WATCH was lost', async () => {
    const gw = gateway();
    const key = '{lost}key';
    const admin = await cluster().client(ownerPort(cluster(), key));
    const c = await RawConnection.connect(gw.port);
    try {
      c.write(Buffer.concat([encodeCommand(['SET', key, 'original']), encodeCommand(['WATCH', key])]));
      expect((await c.readRaw(2)).map((f) => f.toString())).toEqual(['+OK\r\n', '+OK\r\n']);
      // The node drops the WATCH connection (a restart, a timeout, CLIENT KILL by an operator).
      const watching = (await clientEntries(admin)).find((e) => e.cmd === 'watch');
      expect(watching).toBeDefined();
      await admin.call('CLIENT', 'KILL', 'ID', watching!.id!);
      await eventually(
        'the gateway to notice the lost connection',
        async () => gw.gateway.sessions().some((s) => s.watch && s.pinned.heldConnection(s.watch.node)),
        (held) => !held,
      );
      // Nothing proves the key unchanged any more: EXEC answers null, as for a conflicting write.
      c.write(
        Buffer.concat([
          encodeCommand(['MULTI']),
          encodeCommand(['SET', key, 'overwritten']),
          encodeCommand(['EXEC']),
          encodeCommand(['GET', key]),
        ]),
      );
      expect((await c.readRaw(4)).map((f) => f.toString())).toEqual([
        '+OK\r\n',
        '+QUEUED\r\n',
        '*-1\r\n',
        '$8\r\noriginal\r\n',
      ]);
    } finally {
      c.close();
      admin.close();
    }
  });

  it('takes a dedicated connection only for WATCH and gives it back at EXEC, DISCARD, UNWATCH and disconnect', async () => {
    const gw = gateway();
    const key = '{d}key';
    const admin = await cluster().client(ownerPort(cluster(), key));
    const c = await RawConnection.connect(gw.port);
    const send = async (...commands: string[][]) => {
      c.write(Buffer.concat(commands.map((args) => encodeCommand(args))));
      return (await c.readRaw(commands.length)).map((f) => f.toString());
    };
    try {
      // Warm the shared connections, then take the baseline.
      await send(['SET', key, '0'], ['GET', key]);
      const baseline = await connectionCount(admin);
      const dedicated = gw.gateway.pool.dedicatedOpened;

      // Plain commands and a transaction without WATCH use the shared connections only.
      expect(await send(['MULTI'], ['INCR', key], ['INCR', key], ['EXEC'])).toEqual([
        '+OK\r\n',
        '+QUEUED\r\n',
        '+QUEUED\r\n',
        '*2\r\n:1\r\n:2\r\n',
      ]);
      expect(gw.gateway.pool.dedicatedOpened).toBe(dedicated);
      expect(await connectionCount(admin)).toBe(baseline);

      const released = () =>
        eventually(
          'the dedicated connection to close',
          () => connectionCount(admin),
          (n) => n === baseline,
        );

      // WATCH pins one connection to the key's node until EXEC.
      await send(['WATCH', key]);
      expect(await connectionCount(admin)).toBe(baseline + 1);
      expect(gw.gateway.pool.dedicatedOpened).toBe(dedicated + 1);
      expect(await send(['MULTI'], ['INCR', key], ['EXEC'])).toEqual([
        '+OK\r\n',
        '+QUEUED\r\n',
        '*1\r\n:3\r\n',
      ]);
      await released();

      // ... until DISCARD.
      await send(['WATCH', key], ['MULTI']);
      expect(await connectionCount(admin)).toBe(baseline + 1);
      expect(await send(['DISCARD'])).toEqual(['+OK\r\n']);
      await released();

      // ... until UNWATCH.
      await send(['WATCH', key]);
      expect(await connectionCount(admin)).toBe(baseline + 1);
      expect(await send(['UNWATCH'])).toEqual(['+OK\r\n']);
      await released();

      // ... until the client goes away.
      await send(['WATCH', key]);
      expect(await connectionCount(admin)).toBe(baseline + 1);
      c.close();
      await released();
    } finally {
      c.close();
      admin.close();
    }
  });
});
