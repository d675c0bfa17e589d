// Unmodified ioredis and node-redis scripts that use the stateful parts of Redis through Slotway in
// front of a 3x1 cluster: MULTI/EXEC and WATCH, pub/sub (classic, pattern, sharded), blocking
// commands, and node-redis speaking RESP3 (maps, doubles, push frames) to a RESP2-shaped backend.

import { Redis } from 'ioredis';
import { createClient, WatchError } from 'redis';
import { describe, expect, it } from 'vitest';
import { useCluster } from '../support/cluster.js';
import { useGateway } from '../support/gateway.js';

/** Resolves with the first `count` values `subscribe` delivers, or rejects after `timeoutMs`. */
function collect<T>(
  count: number,
  subscribe: (push: (v: T) => void) => void,
  timeoutMs = 10_000,
): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const got: T[] = [];
    const timer = setTimeout(
      () => reject(new Error(`got ${got.length} of ${count} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    subscribe((v) => {
      got.push(v);
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('client libraries with transactions, pub/sub and blocking commands (3x1 cluster)', () => {
  const cluster = useCluster({ primaries: 3, replicas: 1 });
  const gateway = useGateway(cluster);

  function ioredis(): Redis {
    return new Redis({ port: gateway().port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  }

  function nodeRedis<R extends 2 | 3 = 2>(resp?: R) {
    const client = createClient({
      ...(resp === 3 ? { RESP: 3 as const } : {}),
      socket: { port: gateway().port, host: '127.0.0.1', reconnectStrategy: false },
    });
    client.on('error', () => {});
    return client;
  }

  it('ioredis: MULTI/EXEC, WATCH conflicts, pub/sub and blocking commands', async () => {
    const redis = ioredis();
    const other = ioredis();
    const sub = ioredis();
    const blocker = ioredis();
    try {
      await Promise.all([redis.connect(), other.connect(), sub.connect(), blocker.connect()]);

      // MULTI/EXEC on one slot.
      expect(
        await redis.multi().set('{io}k', 'v').incr('{io}n').get('{io}k').hset('{io}h', 'f', '1').exec(),
      ).toEqual([
        [null, 'OK'],
        [null, 1],
        [null, 'v'],
        [null, 1],
      ]);
      // A command error inside EXEC is reported per command, like Redis.
      const mixed = await redis.multi().incr('{io}n').lpush('{io}k', 'x').exec();
      expect(mixed![0]).toEqual([null, 2]);
      expect(String(mixed![1]![0])).toMatch(/WRONGTYPE/);
      // A key of another slot aborts the transaction.
      await expect(redis.multi().set('{io}a', '1').set('{other}b', '2').exec()).rejects.toThrow(/EXECABORT/);

      // Optimistic locking: WATCH, a concurrent write, EXEC answers null; retry succeeds.
      await redis.set('{io}balance', '100');
      await redis.watch('{io}balance');
      await other.incrby('{io}balance', 50);
      expect(await redis.multi().decrby('{io}balance', 30).exec()).toBeNull();
      await redis.watch('{io}balance');
      const balance = Number(await redis.get('{io}balance'));
      expect(
        await redis
          .multi()
          .set('{io}balance', String(balance - 30))
          .exec(),
      ).toEqual([[null, 'OK']]);
      expect(await redis.get('{io}balance')).toBe('120');

      // Pub/sub: classic, pattern and sharded channels on one subscriber connection.
      const messages = collect<string>(3, (push) => {
        sub.on('message', (channel, message) => push(`message ${channel} ${message}`));
        sub.on('pmessage', (pattern, channel, message) => push(`pmessage ${pattern} ${channel} ${message}`));
        sub.on('smessage', (channel, message) => push(`smessage ${channel} ${message}`));
      });
      await sub.subscribe('io:news');
      await sub.psubscribe('io:alerts:*');
      await sub.ssubscribe('io:orders');
      expect(await redis.publish('io:news', 'hello')).toBeGreaterThanOrEqual(0);
      await redis.publish('io:alerts:fire', 'hot');
      expect(await redis.spublish('io:orders', 'order-1')).toBe(1);
      expect((await messages).sort()).toEqual([
        'message io:news hello',
        'pmessage io:alerts:* io:alerts:fire hot',
        'smessage io:orders order-1',
      ]);

      // Blocking commands, woken by writes from another client.
      const popped = blocker.blpop('io:queue', 5);
      await sleep(100);
      await other.rpush('io:queue', 'job-1');
      expect(await popped).toEqual(['io:queue', 'job-1']);
      const moved = blocker.blmove('{io}src', '{io}dst', 'LEFT', 'RIGHT', 5);
      await sleep(100);
      await other.rpush('{io}src', 'item');
      expect(await moved).toBe('item');
      const zpopped = blocker.bzpopmin('io:z', 5);
      await sleep(100);
      await other.zadd('io:z', 3, 'three');
      expect(await zpopped).toEqual(['io:z', 'three', '3']);
      // From the start of a new, empty stream: blocks until the first entry whenever XADD lands.
      const read = blocker.xread('BLOCK', 5000, 'STREAMS', 'io:stream', '0');
      await sleep(100);
      await other.xadd('io:stream', '7-1', 'field', 'value');
      expect(await read).toEqual([['io:stream', [['7-1', ['field', 'value']]]]]);
      // A timeout answers null.
      expect(await blocker.blpop('io:empty', 0.1)).toBeNull();
    } finally {
      for (const c of [redis, other, sub, blocker]) c.disconnect();
    }
  });

  it('node-redis (RESP2): MULTI/EXEC, WatchError, pub/sub on a duplicate and blocking commands', async () => {
    const client = nodeRedis();
    await client.connect();
    const other = client.duplicate();
    other.on('error', () => {});
    const sub = client.duplicate();
    sub.on('error', () => {});
    const blocker = client.duplicate();
    blocker.on('error', () => {});
    await Promise.all([other.connect(), sub.connect(), blocker.connect()]);
    try {
      expect(await client.multi().set('{nr}k', 'v').incr('{nr}n').get('{nr}k').exec()).toEqual([
        'OK',
        1,
        'v',
      ]);

      await client.set('{nr}stock', '5');
      await client.watch('{nr}stock');
      await other.decr('{nr}stock');
      await expect(client.multi().decr('{nr}stock').exec()).rejects.toBeInstanceOf(WatchError);
      await client.watch('{nr}stock');
      expect(await client.multi().decr('{nr}stock').exec()).toEqual([3]);

      let deliver: (v: string) => void = () => {};
      const received = collect<string>(3, (push) => {
        deliver = push;
      });
      const listener = (message: string, channel: string) => deliver(`${channel} ${message}`);
      await sub.subscribe('nr:news', listener);
      await sub.pSubscribe('nr:alerts:*', listener);
      await sub.sSubscribe('nr:orders', listener);
      await client.publish('nr:news', 'hello');
      await client.publish('nr:alerts:fire', 'hot');
      expect(await client.sPublish('nr:orders', 'order-1')).toBe(1);
      expect((await received).sort()).toEqual(['nr:alerts:fire hot', 'nr:news hello', 'nr:orders order-1']);
      await sub.unsubscribe('nr:news');
      await sub.pUnsubscribe('nr:alerts:*');
      await sub.sUnsubscribe('nr:orders');

      const popped = blocker.blPop('nr:queue', 5);
      await sleep(100);
      await other.rPush('nr:queue', 'job');
      expect(await popped).toEqual({ key: 'nr:queue', element: 'job' });
      const moved = blocker.blMove('{nr}src', '{nr}dst', 'LEFT', 'RIGHT', 5);
      await sleep(100);
      await other.rPush('{nr}src', 'item');
      expect(await moved).toBe('item');
      const read = blocker.xRead({ key: 'nr:stream', id: '0' }, { BLOCK: 5000 });
      await sleep(100);
      await other.xAdd('nr:stream', '9-1', { f: 'v' });
      expect(await read).toEqual([{ name: 'nr:stream', messages: [{ id: '9-1', message: { f: 'v' } }] }]);
    } finally {
      for (const c of [client, other, sub, blocker]) await c.close().catch(() => {});
    }
  });

  it('node-redis with RESP: 3 gets maps, doubles and push frames', async () => {
    const resp3 = nodeRedis(3);
    const resp2 = nodeRedis();
    await Promise.all([resp3.connect(), resp2.connect()]);
    try {
      await resp3.hSet('{r3}hash', { a: '1', b: '2' });
      await resp3.zAdd('{r3}z', { score: 1.5, value: 'm' });
      // Raw replies show the wire types: a map and a double in RESP3, an array and a string in RESP2.
      expect(await resp3.sendCommand(['HGETALL', '{r3}hash'])).toEqual({ a: '1', b: '2' });
      expect(await resp2.sendCommand(['HGETALL', '{r3}hash'])).toEqual(['a', '1', 'b', '2']);
      expect(await resp3.sendCommand(['ZSCORE', '{r3}z', 'm'])).toBe(1.5);
      expect(await resp2.sendCommand(['ZSCORE', '{r3}z', 'm'])).toBe('1.5');
      expect(await resp3.hGetAll('{r3}hash')).toEqual({ a: '1', b: '2' });
      expect(await resp3.zScore('{r3}z', 'm')).toBe(1.5);
      expect(await resp3.sendCommand(['EXISTS', '{r3}hash'])).toBe(1);
      expect(await resp3.multi().hGetAll('{r3}hash').zScore('{r3}z', 'm').exec()).toEqual([
        { a: '1', b: '2' },
        1.5,
      ]);

      // Pub/sub on the RESP3 connection itself: messages arrive as push frames between replies.
      let deliver: (v: string) => void = () => {};
      const received = collect<string>(2, (push) => {
        deliver = push;
      });
      const listener = (message: string, channel: string) => deliver(`${channel} ${message}`);
      await resp3.subscribe('r3:news', listener);
      await resp3.sSubscribe('r3:orders', listener);
      expect(await resp3.get('r3:missing')).toBeNull();
      await resp2.publish('r3:news', 'pushed');
      await resp2.sPublish('r3:orders', 'sharded');
      expect((await received).sort()).toEqual(['r3:news pushed', 'r3:orders sharded']);
      // Still a normal connection for other commands.
      expect(await resp3.hGetAll('{r3}hash')).toEqual({ a: '1', b: '2' });
      await resp3.unsubscribe('r3:news');
      await resp3.sUnsubscribe('r3:orders');
    } finally {
      await resp3.close().catch(() => {});
      await resp2.close().catch(() => {});
    }
  });
});
