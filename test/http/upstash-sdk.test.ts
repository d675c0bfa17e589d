// The unmodified @upstash/redis SDK against Slotway in front of a 3-primary cluster: every data type,
// JSON values, pipelines, transactions, auto-pipelining, scripts (EVALSHA falling back to EVAL on
// NOSCRIPT, read-only scripts with a read-only token), with base64 responses on and off for every one,
// and pub/sub over server-sent events.

import { Redis } from '@upstash/redis';
import { describe, expect, it } from 'vitest';
import { useCluster } from '../support/cluster.js';
import { useHttpGateway } from './http-gateway.js';

const TOKEN = 'sdk-test-token-0123456789';
const READ_ONLY = 'sdk-read-only-token-0123456789';

describe('@upstash/redis SDK against Slotway', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  const api = useHttpGateway(cluster, {
    tokens: [
      { token: TOKEN, scope: 'full' },
      { token: READ_ONLY, scope: 'read-only' },
    ],
  });

  function sdk(responseEncoding: 'base64' | false, enableAutoPipelining = false, token = TOKEN): Redis {
    return new Redis({
      url: api().url,
      token,
      responseEncoding,
      enableAutoPipelining,
      enableTelemetry: false,
      retry: false,
    });
  }

  describe.each([
    ['base64', 'base64' as const],
    ['plain JSON', false as const],
  ])('with %s responses', (label, encoding) => {
    const p = `${label === 'base64' ? 'b64' : 'plain'}:`;

    it('strings: set/get, counters, expiry, cross-slot mset/mget/del', async () => {
      const redis = sdk(encoding);
      expect(await redis.set(`${p}greeting`, 'héllo wörld ✓\nsecond line')).toBe('OK');
      expect(await redis.get(`${p}greeting`)).toBe('héllo wörld ✓\nsecond line');
      expect(await redis.get(`${p}missing`)).toBeNull();
      expect(await redis.incr(`${p}counter`)).toBe(1);
      expect(await redis.incrby(`${p}counter`, 41)).toBe(42);
      expect(await redis.incrbyfloat(`${p}float`, 1.5)).toBe(1.5);
      expect(await redis.set(`${p}ttl`, 'v', { ex: 100 })).toBe('OK');
      expect(await redis.ttl(`${p}ttl`)).toBeGreaterThan(90);
      expect(await redis.set(`${p}ttl`, 'other', { nx: true })).toBeNull();
      expect(await redis.append(`${p}greeting`, '!')).toBeGreaterThan(10);
      // Keys on different shards: the gateway splits and merges.
      expect(await redis.mset({ [`${p}a`]: 'A', [`${p}b`]: 'B', [`${p}c`]: 'C' })).toBe('OK');
      expect(await redis.mget(`${p}a`, `${p}nope`, `${p}b`, `${p}c`)).toEqual(['A', null, 'B', 'C']);
      expect(await redis.exists(`${p}a`, `${p}b`, `${p}nope`)).toBe(2);
      expect(await redis.del(`${p}a`, `${p}b`, `${p}c`)).toBe(3);
      expect(await redis.getdel(`${p}ttl`)).toBe('v');
    });

    it('JSON values round-trip as objects', async () => {
      const redis = sdk(encoding);
      const user = { name: 'Ada', tags: ['x', 'y'], nested: { n: 1, ok: true }, nothing: null };
      await redis.set(`${p}user`, user);
      expect(await redis.get(`${p}user`)).toEqual(user);
      await redis.hset(`${p}profile`, { settings: { theme: 'dark' }, visits: 3 });
      expect(await redis.hget(`${p}profile`, 'settings')).toEqual({ theme: 'dark' });
      await redis.lpush(`${p}events`, { id: 1 }, { id: 2 });
      expect(await redis.lrange(`${p}events`, 0, -1)).toEqual([{ id: 2 }, { id: 1 }]);
    });

    it('hashes', async () => {
      const redis = sdk(encoding);
      expect(await redis.hset(`${p}h`, { name: 'slotway', port: 6380, flag: 'yes' })).toBe(3);
      expect(await redis.hget(`${p}h`, 'name')).toBe('slotway');
      expect(await redis.hgetall(`${p}h`)).toEqual({ name: 'slotway', port: 6380, flag: 'yes' });
      expect(await redis.hmget(`${p}h`, 'name', 'flag')).toEqual({ name: 'slotway', flag: 'yes' });
      expect(await redis.hincrby(`${p}h`, 'port', 1)).toBe(6381);
      expect(await redis.hexists(`${p}h`, 'flag')).toBe(1);
      expect(await redis.hdel(`${p}h`, 'flag')).toBe(1);
      expect((await redis.hkeys(`${p}h`)).sort()).toEqual(['name', 'port']);
      expect(await redis.hlen(`${p}h`)).toBe(2);
      expect(await redis.hgetall(`${p}nohash`)).toBeNull();
    });

    it('lists', async () => {
      const redis = sdk(encoding);
      expect(await redis.rpush(`${p}l`, 'a', 'b', 'c')).toBe(3);
      expect(await redis.lpush(`${p}l`, 'z')).toBe(4);
      expect(await redis.lrange(`${p}l`, 0, -1)).toEqual(['z', 'a', 'b', 'c']);
      expect(await redis.lindex(`${p}l`, 1)).toBe('a');
      expect(await redis.llen(`${p}l`)).toBe(4);
      expect(await redis.lpop(`${p}l`)).toBe('z');
      expect(await redis.rpop(`${p}l`, 2)).toEqual(['c', 'b']);
      expect(await redis.lrange(`${p}l`, 0, -1)).toEqual(['a']);
    });

    it('sets', async () => {
      const redis = sdk(encoding);
      expect(await redis.sadd(`${p}{s}one`, 'a', 'b', 'c')).toBe(3);
      expect(await redis.sadd(`${p}{s}two`, 'b', 'c', 'd')).toBe(3);
      expect((await redis.smembers(`${p}{s}one`)).sort()).toEqual(['a', 'b', 'c']);
      expect(await redis.sismember(`${p}{s}one`, 'a')).toBe(1);
      expect(await redis.scard(`${p}{s}one`)).toBe(3);
      expect((await redis.sinter(`${p}{s}one`, `${p}{s}two`)).sort()).toEqual(['b', 'c']);
      expect(await redis.srem(`${p}{s}one`, 'a')).toBe(1);
    });

    it('sorted sets', async () => {
      const redis = sdk(encoding);
      expect(
        await redis.zadd(
          `${p}z`,
          { score: 1, member: 'one' },
          { score: 2.5, member: 'two' },
          { score: 3, member: 'three' },
        ),
      ).toBe(3);
      expect(await redis.zrange(`${p}z`, 0, -1)).toEqual(['one', 'two', 'three']);
      expect(await redis.zrange(`${p}z`, 0, -1, { withScores: true })).toEqual([
        'one',
        1,
        'two',
        2.5,
        'three',
        3,
      ]);
      expect(await redis.zscore(`${p}z`, 'two')).toBe(2.5);
      expect(await redis.zincrby(`${p}z`, 10, 'one')).toBe(11);
      expect(await redis.zrank(`${p}z`, 'one')).toBe(2);
      expect(await redis.zcard(`${p}z`)).toBe(3);
      expect(await redis.zrem(`${p}z`, 'three')).toBe(1);
    });

    it('keys: type, expire, persist, scan over every shard', async () => {
      const redis = sdk(encoding);
      for (let i = 0; i < 20; i++) await redis.set(`${p}scan:${i}`, i);
      expect(await redis.type(`${p}scan:1`)).toBe('string');
      expect(await redis.expire(`${p}scan:1`, 100)).toBe(1);
      expect(await redis.persist(`${p}scan:1`)).toBe(1);
      const seen = new Set<string>();
      let cursor: string | number = '0';
      do {
        const [next, keys]: [string | number, string[]] = await redis.scan(cursor, {
          match: `${p}scan:*`,
          count: 50,
        });
        for (const k of keys) seen.add(k);
        cursor = next;
      } while (String(cursor) !== '0');
      expect(seen.size).toBe(20);
    });

    it('pipelines, with per-command errors', async () => {
      const redis = sdk(encoding);
      const results = await redis
        .pipeline()
        .set(`${p}pipe:a`, 'x')
        .get(`${p}pipe:a`)
        .incr(`${p}pipe:n`)
        .mget(`${p}pipe:a`, `${p}pipe:missing`)
        .exec();
      expect(results).toEqual(['OK', 'x', 1, ['x', null]]);
      const kept = await redis
        .pipeline()
        .set(`${p}pipe:s`, 'v')
        .hget(`${p}pipe:s`, 'f')
        .get(`${p}pipe:s`)
        .exec({
          keepErrors: true,
        });
      expect(kept[0]).toEqual({ result: 'OK', error: undefined });
      expect(kept[1]?.error).toMatch(/^WRONGTYPE/);
      expect(kept[2]).toEqual({ result: 'v', error: undefined });
      await expect(redis.pipeline().set(`${p}pipe:s`, 'v').hget(`${p}pipe:s`, 'f').exec()).rejects.toThrow(
        /Command 2 \[ hget \] failed: WRONGTYPE/,
      );
    });

    it('multi-exec transactions (same slot) and their errors', async () => {
      const redis = sdk(encoding);
      const results = await redis
        .multi()
        .set(`${p}{tx}a`, '1')
        .incr(`${p}{tx}a`)
        .get(`${p}{tx}a`)
        .lpush(`${p}{tx}l`, 'x')
        .exec();
      expect(results).toEqual(['OK', 2, 2, 1]);
      await expect(redis.multi().set(`${p}tx-a`, '1').set(`${p}tx-b`, '2').exec()).rejects.toThrow(
        /EXECABORT .*command 2 \(set\): CROSSSLOT/,
      );
    });

    it('reports Redis errors with their text', async () => {
      const redis = sdk(encoding);
      await redis.set(`${p}str`, 'v');
      await expect(redis.hget(`${p}str`, 'f')).rejects.toThrow(/WRONGTYPE Operation against a key/);
      await expect(redis.incr(`${p}str`)).rejects.toThrow(/ERR value is not an integer/);
    });

    it('scripts: EVALSHA falls back to EVAL on NOSCRIPT, then uses the cache', async () => {
      const redis = sdk(encoding);
      const body = `return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])} -- ${label}`;
      const script = redis.createScript<[string, string, number]>(body);
      await expect(script.evalsha([`${p}script`], ['hi'])).rejects.toThrow(/NOSCRIPT/);
      expect(await script.exec([`${p}script`], ['hi'])).toEqual([`${p}script`, 'hi', 1]);
      // Loaded by the fallback on the key's node: EVALSHA now succeeds directly.
      expect(await script.evalsha([`${p}script`], ['again'])).toEqual([`${p}script`, 'again', 2]);
      expect(await redis.eval('return ARGV[1]', [], ['plain eval'])).toBe('plain eval');
    });

    it('auto-pipelining batches concurrent commands into few requests', async () => {
      const redis = sdk(encoding, true);
      const writes = Array.from({ length: 20 }, (_, i) => redis.set(`${p}auto:${i}`, `v${i}`));
      expect(await Promise.all(writes)).toEqual(Array(20).fill('OK'));
      const reads = await Promise.all(Array.from({ length: 20 }, (_, i) => redis.get(`${p}auto:${i}`)));
      expect(reads).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`));
      expect((redis as unknown as { pipelineCounter: number }).pipelineCounter).toBeLessThanOrEqual(4);
      // Errors still reach the right caller, NOSCRIPT included.
      await expect(redis.evalsha('0'.repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
      const script = redis.createScript<string>(`return "auto " .. ARGV[1] -- ${label}`);
      expect(await script.exec([], ['ok'])).toBe('auto ok');
    });

    it('subscribe and psubscribe over server-sent events', async () => {
      const redis = sdk(encoding);
      const sessionsBefore = api().gateway.gateway.sessions().length;
      const sub = redis.subscribe<{ n: number }>([`${p}sdk-news`]);
      const psub = redis.psubscribe<{ text: string }>([`${p}sdk-p.*`]);
      const subscribed = Promise.all([
        new Promise<number>((resolve) => sub.on('subscribe', resolve)),
        new Promise<number>((resolve) => psub.on('psubscribe', resolve)),
      ]);
      const messages: Array<{ channel: string; message: { n: number } }> = [];
      const pmessages: Array<{ pattern: string; channel: string; message: { text: string } }> = [];
      sub.on('message', (m) => messages.push(m));
      psub.on('pmessage', (m) => pmessages.push(m));
      try {
        expect(await subscribed).toEqual([1, 1]);
        // In a cluster PUBLISH counts only the receiving node's subscribers; the message reaches all.
        await redis.publish(`${p}sdk-news`, { n: 1 });
        // The SDK JSON-parses pattern messages strictly, so they must be JSON.
        await redis.publish(`${p}sdk-p.one`, { text: 'hello, with a comma' });
        await expect.poll(() => messages.length, { timeout: 5000 }).toBe(1);
        await expect.poll(() => pmessages.length, { timeout: 5000 }).toBe(1);
        expect(messages[0]).toEqual({ channel: `${p}sdk-news`, message: { n: 1 } });
        expect(pmessages[0]).toEqual({
          pattern: `${p}sdk-p.*`,
          channel: `${p}sdk-p.one`,
          message: { text: 'hello, with a comma' },
        });
      } finally {
        await sub.unsubscribe();
        await psub.unsubscribe();
      }
      // The streams' gateway connections close with the requests.
      await expect
        .poll(() => api().gateway.gateway.sessions().length, { timeout: 5000 })
        .toBeLessThanOrEqual(sessionsBefore);
    });

    it('a read-only token reads and runs read-only scripts (EVALSHA_RO falling back to EVAL_RO); writes get NOPERM', async () => {
      await sdk(encoding).set(`${p}ro`, 'stored');
      const ro = sdk(encoding, false, READ_ONLY);
      expect(await ro.get(`${p}ro`)).toBe('stored');
      await expect(ro.set(`${p}ro`, 'x')).rejects.toThrow(/NOPERM this token is read-only/);
      await expect(ro.incr(`${p}ro-n`)).rejects.toThrow(/NOPERM/);
      const script = ro.createScript<string, true>(`return redis.call('GET', KEYS[1]) -- ro ${label}`, {
        readonly: true,
      });
      await expect(script.evalshaRo([`${p}ro`], [])).rejects.toThrow(/NOSCRIPT/);
      expect(await script.exec([`${p}ro`], [])).toBe('stored');
      expect(await script.evalshaRo([`${p}ro`], [])).toBe('stored');
      // A script that may write is refused to this token, even before NOSCRIPT could come into play.
      await expect(ro.createScript('return 1').exec([], [])).rejects.toThrow(/NOPERM/);
      expect(await sdk(encoding).get(`${p}ro`)).toBe('stored');
    });
  });
});
