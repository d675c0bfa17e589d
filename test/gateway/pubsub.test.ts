// Pub/sub through Slotway in front of a 3x1 cluster: classic channels and patterns are cluster-wide
// (a PUBLISH sent straight to any node reaches a gateway subscriber), sharded channels live on the
// owner of their slot, RESP2 and RESP3 frames, PUBSUB introspection merged over the nodes, 100
// subscribers receiving every message of 10 publishers in order, and subscriptions that survive a
// slot migration and a primary killed with SIGKILL.

import { describe, expect, it } from 'vitest';
import type { AdminClient } from '../../src/backend/admin-client.js';
import type { LocalNode } from '../../src/ops/local-cluster.js';
import { encodeCommand } from '../../src/protocol/resp-encoder.js';
import { slotOf } from '../../src/topology/slot-hash.js';
import { type LocalCluster, useCluster } from '../support/cluster.js';
import { startTestGateway, useGateway } from '../support/gateway.js';
import { eventually } from '../support/node-state.js';
import { RawConnection } from '../support/raw-socket.js';
import { type Plain, plain } from '../support/resp-plain.js';

async function send(c: RawConnection, ...commands: Array<Array<string | number>>): Promise<Plain[]> {
  c.write(Buffer.concat(commands.map((args) => encodeCommand(args))));
  return (await c.read(commands.length)).map(plain);
}

/** For (un)subscribe commands, which answer one frame per channel: sends and reads `frames` frames. */
async function sendFor(c: RawConnection, frames: number, ...commands: Array<Array<string | number>>) {
  c.write(Buffer.concat(commands.map((args) => encodeCommand(args))));
  return (await c.read(frames)).map(plain);
}

async function next(c: RawConnection, count = 1, timeoutMs = 10_000): Promise<Plain[]> {
  return (await c.read(count, timeoutMs)).map(plain);
}

/** The primary that owned `slot` at start-up. */
function ownerOf(cluster: LocalCluster, slot: number): LocalNode {
  const node = cluster.nodes.find(
    (n) => n.role === 'primary' && n.slots.some(([from, to]) => slot >= from && slot <= to),
  );
  if (!node) throw new Error(`no primary owns slot ${slot}`);
  return node;
}

/** A name with the given prefix whose slot belongs to `node` (at start-up). */
function nameOnNode(node: LocalNode, prefix: string): string {
  for (let i = 0; i < 100_000; i++) {
    const slot = slotOf(`${prefix}${i}`);
    if (node.slots.some(([from, to]) => slot >= from && slot <= to)) return `${prefix}${i}`;
  }
  throw new Error(`no ${prefix}* name hashes to ${node.port}`);
}

async function withAdmins<T>(
  cluster: LocalCluster,
  nodes: readonly LocalNode[],
  body: (admins: AdminClient[]) => Promise<T>,
) {
  const admins = await Promise.all(nodes.map((n) => cluster.client(n.port)));
  try {
    return await body(admins);
  } finally {
    for (const a of admins) a.close();
  }
}

/**
 * Publishes every 200 ms until `sub` receives a frame `accept` takes (others are skipped), within
 * `timeoutMs`; returns that frame.
 */
async function publishUntilReceived(
  sub: RawConnection,
  publish: () => Promise<unknown>,
  accept: (frame: Plain) => boolean,
  timeoutMs: number,
): Promise<Plain> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await publish().catch(() => {});
    const waitUntil = Date.now() + 200;
    while (Date.now() < waitUntil) {
      let frame: Plain;
      try {
        frame = (await next(sub, 1, Math.max(1, waitUntil - Date.now())))[0]!;
      } catch {
        break;
      }
      if (accept(frame)) return frame;
    }
    if (Date.now() > deadline) throw new Error(`nothing accepted within ${timeoutMs} ms`);
  }
}

const isMessage = (kind: string, channel: string) => (f: Plain) =>
  Array.isArray(f) && f[0] === kind && f[1] === channel;

describe('pub/sub through Slotway (3x1 cluster)', () => {
  const cluster = useCluster({ primaries: 3, replicas: 1 });
  const gateway = useGateway(cluster);

  it('SUBSCRIBE / PSUBSCRIBE are cluster-wide: a PUBLISH sent directly to any node reaches them', async () => {
    const sub = await RawConnection.connect(gateway().port);
    try {
      expect(await sendFor(sub, 3, ['SUBSCRIBE', 'news', 'sport'], ['PSUBSCRIBE', 'ne*'])).toEqual([
        ['subscribe', 'news', 1],
        ['subscribe', 'sport', 2],
        ['psubscribe', 'ne*', 3],
      ]);
      // Every node, primaries and replicas: the cluster bus carries PUBLISH everywhere.
      await withAdmins(cluster(), cluster().nodes, async (admins) => {
        for (const [i, admin] of admins.entries()) {
          await admin.call('PUBLISH', 'news', `from-${i}`);
          const got = await next(sub, 2);
          expect(got).toContainEqual(['message', 'news', `from-${i}`]);
          expect(got).toContainEqual(['pmessage', 'ne*', 'news', `from-${i}`]);
          await admin.call('PUBLISH', 'sport', `score-${i}`);
          expect(await next(sub)).toEqual([['message', 'sport', `score-${i}`]]);
        }
        // A RESP2 subscriber may only run subscribe-mode commands.
        expect(await send(sub, ['GET', 'x'])).toEqual([
          "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
        ]);
        expect(await send(sub, ['PING'])).toEqual([['pong', '']]);

        expect(await send(sub, ['UNSUBSCRIBE', 'news'])).toEqual([['unsubscribe', 'news', 2]]);
        await admins[1]!.call('PUBLISH', 'news', 'after-unsubscribe');
        expect(await next(sub)).toEqual([['pmessage', 'ne*', 'news', 'after-unsubscribe']]);
        expect(await send(sub, ['PUNSUBSCRIBE'])).toEqual([['punsubscribe', 'ne*', 1]]);
        expect(await send(sub, ['UNSUBSCRIBE'])).toEqual([['unsubscribe', 'sport', 0]]);
        // Out of subscribe mode again.
        expect(await send(sub, ['SET', 'after-sub', '1'])).toEqual(['OK']);
      });
    } finally {
      sub.close();
    }
  });

  it('nothing arrives for a channel after its UNSUBSCRIBE is confirmed, even with messages in flight', async () => {
    const gw = gateway();
    const sub = await RawConnection.connect(gw.port);
    const pub = await gw.client();
    let publishing = true;
    try {
      // Another subscription keeps the client subscribed (and its backend connection open).
      expect(await send(sub, ['SUBSCRIBE', 'keep'])).toEqual([['subscribe', 'keep', 1]]);
      // A steady stream of messages; the client leaves and comes back while they keep coming.
      let n = 0;
      const stream = Promise.all(
        Array.from({ length: 4 }, async () => {
          while (publishing) {
            await Promise.all(Array.from({ length: 20 }, () => pub.call('PUBLISH', 'flood', `m${n++}`)));
          }
        }),
      );
      // Closing the publisher on a failure rejects its calls still on the way.
      stream.catch(() => {});
      for (let round = 0; round < 20; round++) {
        for (const [kind, unsubscribe, name] of [
          ['SUBSCRIBE', 'UNSUBSCRIBE', 'flood'],
          ['PSUBSCRIBE', 'PUNSUBSCRIBE', 'flo*'],
        ] as const) {
          expect(await send(sub, [kind, name])).toEqual([[kind.toLowerCase(), name, 2]]);
          await next(sub);
          sub.write(Buffer.concat([encodeCommand([unsubscribe, name]), encodeCommand(['PING'])]));
          let frame = (await next(sub))[0] as Plain[];
          while (frame[0] === 'message' || frame[0] === 'pmessage') frame = (await next(sub))[0] as Plain[];
          expect(frame).toEqual([unsubscribe.toLowerCase(), name, 1]);
          // The very next frame is PING's answer: no message of the channel follows.
          expect(await next(sub)).toEqual([['pong', '']]);
        }
      }
      publishing = false;
      await stream;
      await expect(next(sub, 1, 200)).rejects.toThrow(/got 0 of 1/);
    } finally {
      publishing = false;
      sub.close();
      pub.close();
    }
  });

  it('SSUBSCRIBE / SPUBLISH / SUNSUBSCRIBE work by slot, on the owner of each channel', async () => {
    const gw = gateway();
    const primaries = cluster().nodes.filter((n) => n.role === 'primary');
    const channels = primaries.map((n) => nameOnNode(n, 'orders:'));
    const sub = await RawConnection.connect(gw.port);
    const pub = await RawConnection.connect(gw.port);
    try {
      for (const [i, channel] of channels.entries()) {
        expect(await send(sub, ['SSUBSCRIBE', channel])).toEqual([['ssubscribe', channel, i + 1]]);
      }
      expect(await send(sub, ['SSUBSCRIBE', channels[0]!, channels[1]!])).toEqual([
        "CROSSSLOT Keys in request don't hash to the same slot",
      ]);
      for (const channel of channels) {
        expect(await send(pub, ['SPUBLISH', channel, `for-${channel}`])).toEqual([1]);
        expect(await next(sub)).toEqual([['smessage', channel, `for-${channel}`]]);
      }
      // Each subscription sits on its owner, which also takes SPUBLISH directly.
      await withAdmins(cluster(), primaries, async (admins) => {
        for (const [i, admin] of admins.entries()) {
          expect(plain(await admin.call('PUBSUB', 'SHARDNUMSUB', channels[i]!))).toEqual([channels[i], 1]);
          await admin.call('SPUBLISH', channels[i]!, 'direct');
          expect(await next(sub)).toEqual([['smessage', channels[i], 'direct']]);
        }
      });
      expect(await send(sub, ['SUNSUBSCRIBE', channels[0]!])).toEqual([['sunsubscribe', channels[0], 2]]);
      expect(await send(pub, ['SPUBLISH', channels[0]!, 'nobody'])).toEqual([0]);
      expect(await sendFor(sub, 2, ['SUNSUBSCRIBE'])).toEqual([
        ['sunsubscribe', channels[1], 1],
        ['sunsubscribe', channels[2], 0],
      ]);
      expect(await send(sub, ['PING'])).toEqual(['PONG']);
    } finally {
      sub.close();
      pub.close();
    }
  });

  it('RESP3 subscribers get push frames, run other commands meanwhile, and get arrays after HELLO 2', async () => {
    const gw = gateway();
    const sub = await RawConnection.connect(gw.port);
    const pub = await gw.client();
    try {
      sub.write(encodeCommand(['HELLO', '3']));
      await sub.read(1);
      sub.write(encodeCommand(['SUBSCRIBE', 'r3']));
      expect((await sub.readRaw(1))[0]!.toString()).toBe('>3\r\n$9\r\nsubscribe\r\n$2\r\nr3\r\n:1\r\n');
      sub.write(encodeCommand(['SSUBSCRIBE', 'r3s']));
      expect((await sub.readRaw(1))[0]!.toString()).toBe('>3\r\n$10\r\nssubscribe\r\n$3\r\nr3s\r\n:1\r\n');
      await pub.call('PUBLISH', 'r3', 'hello');
      expect((await sub.readRaw(1))[0]!.toString()).toBe(
        '>3\r\n$7\r\nmessage\r\n$2\r\nr3\r\n$5\r\nhello\r\n',
      );
      await pub.call('SPUBLISH', 'r3s', 'sharded');
      expect((await sub.readRaw(1))[0]!.toString()).toBe(
        '>3\r\n$8\r\nsmessage\r\n$3\r\nr3s\r\n$7\r\nsharded\r\n',
      );
      // Unlike RESP2, a RESP3 subscriber runs any command, with RESP3 replies.
      expect(await send(sub, ['HSET', 'r3h', 'f', '1'], ['HGETALL', 'r3h'], ['PING'])).toEqual([
        1,
        { f: '1' },
        'PONG',
      ]);
      sub.write(encodeCommand(['HGETALL', 'r3h']));
      expect((await sub.readRaw(1))[0]!.toString()).toBe('%1\r\n$1\r\nf\r\n$1\r\n1\r\n');

      // HELLO 2 while subscribed: the same subscriber connections on the nodes, and as from Redis,
      // messages as RESP2 arrays and the client in subscribe mode.
      sub.write(encodeCommand(['HELLO', '2']));
      await sub.read(1);
      await pub.call('PUBLISH', 'r3', 'two');
      expect((await sub.readRaw(1))[0]!.toString()).toBe('*3\r\n$7\r\nmessage\r\n$2\r\nr3\r\n$3\r\ntwo\r\n');
      await pub.call('SPUBLISH', 'r3s', 'three');
      expect((await sub.readRaw(1))[0]!.toString()).toBe(
        '*3\r\n$8\r\nsmessage\r\n$3\r\nr3s\r\n$5\r\nthree\r\n',
      );
      expect((await send(sub, ['GET', 'x']))[0]).toMatch(/^ERR Can't execute 'get'/);
      sub.write(encodeCommand(['UNSUBSCRIBE', 'r3']));
      expect((await sub.readRaw(1))[0]!.toString()).toBe('*3\r\n$11\r\nunsubscribe\r\n$2\r\nr3\r\n:0\r\n');
    } finally {
      sub.close();
      pub.close();
    }
  });

  it('PUBSUB CHANNELS / NUMSUB / NUMPAT / SHARDCHANNELS / SHARDNUMSUB add up over the nodes', async () => {
    const gw = gateway();
    const subs = await Promise.all(Array.from({ length: 6 }, () => RawConnection.connect(gw.port)));
    const c = await gw.client();
    try {
      // Six sessions spread their classic subscriber connections over the primaries.
      for (const [i, s] of subs.entries()) {
        await sendFor(s, 2, ['SUBSCRIBE', 'intro:all', `intro:own${i % 2}`]);
        await send(s, ['SSUBSCRIBE', `intro:shard${i % 3}`]);
      }
      await send(subs[0]!, ['PSUBSCRIBE', 'intro:*']);
      const sorted = (v: Plain) => (v as string[]).slice().sort();
      expect(sorted(plain(await c.call('PUBSUB', 'CHANNELS', 'intro:*')))).toEqual([
        'intro:all',
        'intro:own0',
        'intro:own1',
      ]);
      expect(plain(await c.call('PUBSUB', 'NUMSUB', 'intro:all', 'intro:own0', 'intro:none'))).toEqual([
        'intro:all',
        6,
        'intro:own0',
        3,
        'intro:none',
        0,
      ]);
      expect(plain(await c.call('PUBSUB', 'NUMPAT'))).toBe(1);
      expect(sorted(plain(await c.call('PUBSUB', 'SHARDCHANNELS', 'intro:*')))).toEqual([
        'intro:shard0',
        'intro:shard1',
        'intro:shard2',
      ]);
      expect(plain(await c.call('PUBSUB', 'SHARDNUMSUB', 'intro:shard0', 'intro:shard2'))).toEqual([
        'intro:shard0',
        2,
        'intro:shard2',
        2,
      ]);
    } finally {
      for (const s of subs) s.close();
      c.close();
    }
    // Closing the sessions drops their backend subscriptions.
    const probe = await gw.client();
    try {
      await eventually(
        'the subscriptions to go',
        async () => plain(await probe.call('PUBSUB', 'NUMSUB', 'intro:all')),
        (v) => JSON.stringify(v) === JSON.stringify(['intro:all', 0]),
      );
    } finally {
      probe.close();
    }
  });

  it('100 subscribers on sharded and classic channels receive every message of 10 publishers, in order', async () => {
    const gw = gateway();
    const SUBSCRIBERS = 100;
    const PUBLISHERS = 10;
    const MESSAGES = 50;
    const CHANNELS = 5;
    const classic = Array.from({ length: CHANNELS }, (_, i) => `load:news:${i}`);
    const sharded = Array.from({ length: CHANNELS }, (_, i) => `load:orders:${i}`);
    // Subscriber s: classic (s even) or sharded (s odd), on two neighbouring channels.
    const channelsOf = (s: number) => {
      const names = s % 2 === 0 ? classic : sharded;
      return [names[s % CHANNELS]!, names[(s + 1) % CHANNELS]!];
    };
    const subs = await Promise.all(Array.from({ length: SUBSCRIBERS }, () => RawConnection.connect(gw.port)));
    const pubs = await Promise.all(Array.from({ length: PUBLISHERS }, () => RawConnection.connect(gw.port)));
    try {
      await Promise.all(
        subs.map(async (c, s) => {
          const [a, b] = channelsOf(s);
          if (s % 2 === 0) await sendFor(c, 2, ['SUBSCRIBE', a!, b!]);
          else await send(c, ['SSUBSCRIBE', a!], ['SSUBSCRIBE', b!]);
        }),
      );
      // Message m of publisher p goes to classic and sharded channel m % CHANNELS; one write each.
      await Promise.all(
        pubs.map(async (c, p) => {
          const commands: string[][] = [];
          for (let m = 0; m < MESSAGES; m++) {
            commands.push(['PUBLISH', classic[m % CHANNELS]!, `${p}:${m}`]);
            commands.push(['SPUBLISH', sharded[m % CHANNELS]!, `${p}:${m}`]);
          }
          c.write(Buffer.concat(commands.map((args) => encodeCommand(args))));
          const replies = await c.read(commands.length, 30_000);
          for (const r of replies) expect(r.type).toBe('integer');
        }),
      );
      // Each subscriber: 2 channels x 10 publishers x (MESSAGES / CHANNELS) messages.
      const expected = 2 * PUBLISHERS * (MESSAGES / CHANNELS);
      const problems: string[] = [];
      await Promise.all(
        subs.map(async (c, s) => {
          const frames = (await c.read(expected, 30_000)).map(plain) as string[][];
          const mine = channelsOf(s);
          const lastSeen = new Map<string, number>();
          for (const frame of frames) {
            const [kind, channel, payload] = frame as [string, string, string];
            if (kind !== (s % 2 === 0 ? 'message' : 'smessage') || !mine.includes(channel)) {
              problems.push(`subscriber ${s} got ${JSON.stringify(frame)}`);
              continue;
            }
            const [p, m] = payload.split(':').map(Number) as [number, number];
            const key = `${channel}/${p}`;
            if ((lastSeen.get(key) ?? -1) >= m) problems.push(`subscriber ${s}: ${key} ${m} out of order`);
            lastSeen.set(key, m);
          }
          for (const channel of mine) {
            const index = (channel === mine[0] ? s : s + 1) % CHANNELS;
            for (let p = 0; p < PUBLISHERS; p++) {
              const got = frames
                .filter((f) => f[1] === channel && f[2]!.startsWith(`${p}:`))
                .map((f) => f[2]);
              const want = Array.from({ length: MESSAGES }, (_, m) => m)
                .filter((m) => m % CHANNELS === index)
                .map((m) => `${p}:${m}`);
              if (JSON.stringify(got) !== JSON.stringify(want)) {
                problems.push(`subscriber ${s} on ${channel} from ${p}: ${got.length} of ${want.length}`);
              }
            }
          }
        }),
      );
      expect(problems.slice(0, 10)).toEqual([]);
    } finally {
      for (const c of [...subs, ...pubs]) c.close();
    }
  });

  it('a sharded subscription follows its slot to another primary (SETSLOT ... NODE)', async () => {
    const gw = gateway();
    const channel = 'moving:channel';
    const slot = slotOf(channel);
    const primaries = cluster().nodes.filter((n) => n.role === 'primary');
    const source = ownerOf(cluster(), slot);
    const target = primaries.find((n) => n !== source)!;
    const sub = await RawConnection.connect(gw.port);
    const pub = await RawConnection.connect(gw.port);
    try {
      expect(await send(sub, ['SSUBSCRIBE', channel])).toEqual([['ssubscribe', channel, 1]]);
      expect(await send(pub, ['SPUBLISH', channel, 'before'])).toEqual([1]);
      expect(await next(sub)).toEqual([['smessage', channel, 'before']]);

      await withAdmins(cluster(), primaries, async (admins) => {
        const adminOf = (n: LocalNode) => admins[primaries.indexOf(n)]!;
        await adminOf(target).call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id);
        await adminOf(source).call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id);
        // No keys to move; hand the slot over, target first as redis-cli does.
        for (const n of [target, source, ...primaries.filter((p) => p !== source && p !== target)]) {
          await adminOf(n).call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
        }
        expect(plain(await adminOf(source).call('PUBSUB', 'SHARDNUMSUB', channel))).toEqual([channel, 0]);

        // Published through the gateway, the message reaches the subscriber on the new owner.
        let n = 0;
        const got = await publishUntilReceived(
          sub,
          () => send(pub, ['SPUBLISH', channel, `after-${n++}`]),
          isMessage('smessage', channel),
          15_000,
        );
        expect(got).toEqual(['smessage', channel, expect.stringMatching(/^after-\d+$/)]);
        expect(plain(await adminOf(target).call('PUBSUB', 'SHARDNUMSUB', channel))).toEqual([channel, 1]);
        // And the subscription is still counted once.
        expect(await send(sub, ['SUNSUBSCRIBE', channel])).toEqual([['sunsubscribe', channel, 0]]);
      });
    } finally {
      sub.close();
      pub.close();
    }
  });

  it('an SSUBSCRIBE sent while the slot map is behind a slot move is still confirmed', async () => {
    // A gateway of its own without periodic refresh: only the MOVED answer can tell it about the move.
    const gw = await startTestGateway(cluster(), { backend: { topologyRefreshMs: 3_600_000 } });
    const primaries = cluster().nodes.filter((n) => n.role === 'primary');
    const source = primaries[2]!;
    const target = primaries[0]!;
    const channel = nameOnNode(source, 'stale:');
    const slot = slotOf(channel);
    const sub = await RawConnection.connect(gw.port);
    const pub = await RawConnection.connect(gw.port);
    try {
      await withAdmins(cluster(), primaries, async (admins) => {
        for (const admin of [admins[0]!, admins[2]!, admins[1]!]) {
          await admin.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
        }
      });
      // The gateway still routes the slot to the old owner, which answers MOVED.
      expect(await sendFor(sub, 1, ['SSUBSCRIBE', channel])).toEqual([['ssubscribe', channel, 1]]);
      expect(await send(pub, ['SPUBLISH', channel, 'after-move'])).toEqual([1]);
      expect(await next(sub)).toEqual([['smessage', channel, 'after-move']]);
    } finally {
      sub.close();
      pub.close();
      await gw.stop();
    }
  });

  // Last: it kills a primary.
  it('subscriptions survive kill -9 of the node that holds them, after failover', async () => {
    const gw = gateway();
    const primaries = cluster().nodes.filter((n) => n.role === 'primary');
    const sub = await RawConnection.connect(gw.port);
    const pub = await RawConnection.connect(gw.port);
    try {
      expect(await send(sub, ['SUBSCRIBE', 'survivor'])).toEqual([['subscribe', 'survivor', 1]]);
      // Find the node holding the classic subscription from the nodes themselves.
      const holder = await withAdmins(cluster(), primaries, async (admins) => {
        for (const [i, admin] of admins.entries()) {
          const numsub = plain(await admin.call('PUBSUB', 'NUMSUB', 'survivor')) as [string, number];
          if (numsub[1] === 1) return primaries[i]!;
        }
        throw new Error('no node holds the subscription');
      });
      // A sharded channel owned by that same node.
      const shardChannel = nameOnNode(holder, 'survivor:shard:');
      expect(await send(sub, ['SSUBSCRIBE', shardChannel])).toEqual([['ssubscribe', shardChannel, 1]]);

      await cluster().killNode(holder.port, 'SIGKILL');

      // Classic: any live node carries PUBLISH to the re-established subscription, even before the
      // failover completes.
      const other = primaries.find((n) => n !== holder)!;
      const direct = await cluster().client(other.port);
      try {
        let n = 0;
        const classicMessage = await publishUntilReceived(
          sub,
          () => direct.call('PUBLISH', 'survivor', `c-${n++}`),
          isMessage('message', 'survivor'),
          20_000,
        );
        expect(classicMessage).toEqual(['message', 'survivor', expect.stringMatching(/^c-\d+$/)]);
        // The gateway moved the subscription to another primary that was up all along, not waiting
        // for the failover to promote the dead one's replica.
        const survivors = primaries.filter((p) => p !== holder);
        const counts = await withAdmins(cluster(), survivors, (admins) =>
          Promise.all(
            admins.map(async (a) => (plain(await a.call('PUBSUB', 'NUMSUB', 'survivor')) as number[])[1]!),
          ),
        );
        expect(counts.reduce((x, y) => x + y, 0)).toBe(1);
      } finally {
        direct.close();
      }

      // Sharded: once the replica has taken over the slot, the subscription is made again there.
      let m = 0;
      const shardMessage = await publishUntilReceived(
        sub,
        () => send(pub, ['SPUBLISH', shardChannel, `s-${m++}`]),
        isMessage('smessage', shardChannel),
        30_000,
      );
      expect(shardMessage).toEqual(['smessage', shardChannel, expect.stringMatching(/^s-\d+$/)]);
      const promoted = cluster().nodes.find((x) => x.primaryId === holder.id)!;
      const admin = await cluster().client(promoted.port);
      try {
        expect((plain(await admin.call('ROLE')) as Plain[])[0]).toBe('master');
        expect(plain(await admin.call('PUBSUB', 'SHARDNUMSUB', shardChannel))).toEqual([shardChannel, 1]);
      } finally {
        admin.close();
      }
    } finally {
      sub.close();
      pub.close();
    }
  });
});
