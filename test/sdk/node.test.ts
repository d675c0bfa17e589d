// @slotway/client on Node against the real stack: a 3-primary Redis Cluster, the gateway, and the
// HTTP/WebSocket server. Request counts and connection faults come from a counting proxy in front of
// the server (it forwards to the real server; it never answers in the server's place).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PubSubMessage,
  Slotway,
  SlotwayConnectionError,
  type SlotwayOptions,
  SlotwayPipelineError,
  SlotwayReplyError,
  type SlotwaySocket,
} from '../../packages/client/src/index.js';
import { AdminClient } from '../../src/backend/admin-client.js';
import { useCluster } from '../support/cluster.js';
import { useGateway } from '../support/gateway.js';
import { commandCalls } from '../support/node-state.js';
import {
  CountingProxy,
  eventually,
  httpConfig,
  RestartableHttpServer,
  SLOW_TOKEN,
  TOKEN,
} from './sdk-harness.js';

describe('@slotway/client on Node', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  const gw = useGateway(cluster);
  let server: RestartableHttpServer;
  let proxy: CountingProxy;

  beforeAll(async () => {
    server = new RestartableHttpServer(gw(), httpConfig());
    await server.start();
    proxy = new CountingProxy(() => server.port);
    await proxy.start();
  });

  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
  });

  const direct = (options: Partial<SlotwayOptions> = {}) =>
    new Slotway({ url: server.url, token: TOKEN, ...options });
  const proxied = (options: Partial<SlotwayOptions> = {}) => {
    proxy.reset();
    return new Slotway({ url: proxy.url, token: TOKEN, ...options });
  };

  describe('typed commands', () => {
    it('strings', async () => {
      const c = direct();
      expect(await c.set('s:a', 'hello')).toBe('OK');
      expect(await c.get('s:a')).toBe('hello');
      expect(await c.get('s:missing')).toBeNull();
      expect(await c.set('s:a', 'x', { nx: true })).toBeNull();
      expect(await c.set('s:new', 'x', { xx: true })).toBeNull();
      expect(await c.set('s:ttl', 'v', { ex: 100 })).toBe('OK');
      expect(await c.ttl('s:ttl')).toBeGreaterThan(90);
      expect(await c.mset({ 's:m1': '1', 's:m2': '2', 's:m3': 'ü✓' })).toBe('OK');
      // Keys on different shards: the gateway splits and merges in order.
      expect(await c.mget('s:m1', 's:missing', 's:m2', 's:m3')).toEqual(['1', null, '2', 'ü✓']);
      expect(await c.incr('s:n')).toBe(1);
      expect(await c.incrby('s:n', 10)).toBe(11);
      expect(await c.decr('s:n')).toBe(10);
      expect(await c.decrby('s:n', 5)).toBe(5);
      expect(await c.incrbyfloat('s:f', 1.5)).toBe(1.5);
      expect(await c.append('s:a', '!')).toBe(6);
      expect(await c.strlen('s:a')).toBe(6);
      expect(await c.getrange('s:a', 0, 1)).toBe('he');
      expect(await c.getex('s:a', { px: 50_000 })).toBe('hello!');
      expect(await c.pttl('s:a')).toBeGreaterThan(40_000);
      expect(await c.getdel('s:a')).toBe('hello!');
      expect(await c.exists('s:a')).toBe(0);
    });

    it('binary values round-trip byte for byte', async () => {
      const c = direct();
      const bytes = new Uint8Array([0, 0xff, 0xfe, 0x80, 10, 13, 0x22, 0x5c]);
      expect(await c.set('bin:v', bytes)).toBe('OK');
      expect(await c.getBytes('bin:v')).toEqual(bytes);
      expect(await c.strlen('bin:v')).toBe(bytes.length);
      // A non-UTF-8 key as well, next to ordinary commands in the same tick (order is kept).
      const key = new Uint8Array([0xc3, 0x28, 0x01]);
      const [set, read] = await Promise.all([c.set(key, bytes), c.getBytes(key)]);
      expect(set).toBe('OK');
      expect(read).toEqual(bytes);
      expect(await c.del(key, 'bin:v')).toBe(2);
    });

    it('keys', async () => {
      const c = direct();
      await c.mset({ 'k:1': 'a', 'k:2': 'b', 'k:3': 'c' });
      expect(await c.exists('k:1', 'k:2', 'k:3', 'k:none')).toBe(3);
      expect(await c.type('k:1')).toBe('string');
      expect(await c.type('k:none')).toBe('none');
      expect(await c.expire('k:1', 100)).toBe(true);
      expect(await c.expire('k:none', 100)).toBe(false);
      expect(await c.ttl('k:1')).toBeGreaterThan(0);
      expect(await c.persist('k:1')).toBe(true);
      expect(await c.ttl('k:1')).toBe(-1);
      expect(await c.pexpire('k:1', 100_000)).toBe(true);
      expect(await c.ttl('k:none')).toBe(-2);
      expect(await c.rename('{k}a', '{k}b').catch((e: unknown) => e)).toBeInstanceOf(SlotwayReplyError);
      await c.set('{k}a', 'v');
      expect(await c.rename('{k}a', '{k}b')).toBe('OK');
      expect(await c.renamenx('{k}b', '{k}c')).toBe(true);
      expect(await c.del('k:1', 'k:2', 'k:3', '{k}c')).toBe(4);
    });

    it('scanIterator walks every primary', async () => {
      const c = direct();
      const keys = Array.from({ length: 60 }, (_, i) => `scan:${i}`);
      await c.mset(Object.fromEntries(keys.map((k) => [k, '1'])));
      const seen = new Set<string>();
      for await (const key of c.scanIterator({ match: 'scan:*', count: 10 })) seen.add(key);
      expect([...seen].sort()).toEqual([...keys].sort());
      const info = await c.cluster.nodes();
      // The keys really are spread over the three primaries.
      expect(info.filter((n) => n.role === 'primary')).toHaveLength(3);
    });

    it('hashes', async () => {
      const c = direct();
      expect(await c.hset('h', { a: '1', b: '2' })).toBe(2);
      expect(await c.hset('h', { a: '10', c: 3 })).toBe(1);
      expect(await c.hget('h', 'a')).toBe('10');
      expect(await c.hget('h', 'zz')).toBeNull();
      expect(await c.hmget('h', 'a', 'zz', 'c')).toEqual(['10', null, '3']);
      expect(await c.hgetall('h')).toEqual({ a: '10', b: '2', c: '3' });
      expect(await c.hgetall('h:none')).toEqual({});
      expect(await c.hincrby('h', 'a', 5)).toBe(15);
      expect(await c.hincrbyfloat('h', 'b', 0.5)).toBe(2.5);
      expect(await c.hexists('h', 'a')).toBe(true);
      expect(await c.hsetnx('h', 'a', 'x')).toBe(false);
      expect((await c.hkeys('h')).sort()).toEqual(['a', 'b', 'c']);
      expect(await c.hlen('h')).toBe(3);
      expect(await c.hdel('h', 'a', 'b', 'zz')).toBe(2);
      expect(await c.hvals('h')).toEqual(['3']);
    });

    it('lists', async () => {
      const c = direct();
      expect(await c.rpush('l', 'b', 'c')).toBe(2);
      expect(await c.lpush('l', 'a')).toBe(3);
      expect(await c.lrange('l', 0, -1)).toEqual(['a', 'b', 'c']);
      expect(await c.llen('l')).toBe(3);
      expect(await c.lindex('l', 1)).toBe('b');
      expect(await c.lset('l', 1, 'B')).toBe('OK');
      expect(await c.linsert('l', 'AFTER', 'B', 'x')).toBe(4);
      expect(await c.lpos('l', 'x')).toBe(2);
      expect(await c.lpos('l', 'nope')).toBeNull();
      expect(await c.lrem('l', 0, 'x')).toBe(1);
      expect(await c.lpop('l')).toBe('a');
      expect(await c.rpop('l')).toBe('c');
      expect(await c.lmove('{l}src', '{l}dst', 'LEFT', 'RIGHT')).toBeNull();
      expect(await c.lpop('l:none')).toBeNull();
    });

    it('sets', async () => {
      const c = direct();
      expect(await c.sadd('{s}1', 'a', 'b', 'c')).toBe(3);
      expect(await c.sadd('{s}2', 'b', 'c', 'd')).toBe(3);
      expect((await c.smembers('{s}1')).sort()).toEqual(['a', 'b', 'c']);
      expect(await c.sismember('{s}1', 'a')).toBe(true);
      expect(await c.smismember('{s}1', 'a', 'z')).toEqual([true, false]);
      expect(await c.scard('{s}1')).toBe(3);
      expect((await c.sinter('{s}1', '{s}2')).sort()).toEqual(['b', 'c']);
      expect((await c.sunion('{s}1', '{s}2')).sort()).toEqual(['a', 'b', 'c', 'd']);
      expect(await c.sdiff('{s}1', '{s}2')).toEqual(['a']);
      expect(await c.srem('{s}1', 'a', 'zz')).toBe(1);
      expect(await c.smove('{s}1', '{s}2', 'b')).toBe(true);
      // Keys in different slots: the server's CROSSSLOT error, never a silent misroute.
      const err = await c.sinter('s-a', 's-b').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SlotwayReplyError);
      expect((err as SlotwayReplyError).code).toBe('CROSSSLOT');
    });

    it('sorted sets', async () => {
      const c = direct();
      expect(
        await c.zadd('z', [
          { member: 'a', score: 1 },
          { member: 'b', score: 2 },
          { member: 'c', score: 3.5 },
        ]),
      ).toBe(3);
      expect(await c.zadd('z', { member: 'a', score: 10 }, { nx: true })).toBe(0);
      expect(await c.zadd('z', { member: 'a', score: 0.5 }, { gt: true, ch: true })).toBe(0);
      expect(await c.zadd('z', { member: 'a', score: 5 }, { gt: true, ch: true })).toBe(1);
      expect(await c.zscore('z', 'a')).toBe(5);
      expect(await c.zscore('z', 'nope')).toBeNull();
      expect(await c.zmscore('z', 'b', 'nope')).toEqual([2, null]);
      expect(await c.zrange('z', 0, -1)).toEqual(['b', 'c', 'a']);
      expect(await c.zrange('z', '(2', Number.POSITIVE_INFINITY, { by: 'score' })).toEqual(['c', 'a']);
      expect(
        await c.zrange('z', Number.POSITIVE_INFINITY, 0, {
          by: 'score',
          rev: true,
          limit: { offset: 0, count: 2 },
        }),
      ).toEqual(['a', 'c']);
      expect(await c.zrangeWithScores('z', 0, 0)).toEqual([{ member: 'b', score: 2 }]);
      expect(await c.zincrby('z', 0.25, 'b')).toBe(2.25);
      expect(await c.zrank('z', 'c')).toBe(1);
      expect(await c.zrevrank('z', 'c')).toBe(1);
      expect(await c.zrank('z', 'nope')).toBeNull();
      expect(await c.zcount('z', Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)).toBe(3);
      expect(await c.zcard('z')).toBe(3);
      expect(await c.zpopmin('z')).toEqual([{ member: 'b', score: 2.25 }]);
      expect(await c.zrem('z', 'a', 'nope')).toBe(1);
      expect(await c.zremrangebyscore('z', '-inf', '+inf')).toBe(1);
    });

    it('errors keep the server text; raw command() reaches anything', async () => {
      const c = direct();
      await c.set('e:str', 'v');
      const err = await c.lpush('e:str', 'x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SlotwayReplyError);
      expect((err as SlotwayReplyError).code).toBe('WRONGTYPE');
      expect((err as Error).message).toMatch(/^WRONGTYPE /);
      expect(await c.command<number>(['STRLEN', 'e:str'])).toBe(1);
      expect(await c.command<string>(['ECHO', 'hi'])).toBe('hi');
      expect(await c.ping()).toBe('PONG');
      expect(await c.dbsize()).toBeGreaterThan(0);
      const unknown = await c.command(['NOSUCHCOMMAND']).catch((e: unknown) => e);
      expect(unknown).toBeInstanceOf(SlotwayReplyError);
    });

    it('scripts fall back from EVALSHA to EVAL on NOSCRIPT, then use the cache', async () => {
      const c = proxied();
      await c.scriptFlush();
      const script = c.createScript<number>("return redis.call('INCRBY', KEYS[1], ARGV[1])");
      proxy.reset();
      expect(await script.exec(['sc:n'], [2])).toBe(2);
      const sent = proxy.requests.map((r) => JSON.parse(r.body)[0]);
      expect(sent).toEqual(['EVALSHA', 'EVAL']);
      proxy.reset();
      expect(await script.exec(['sc:n'], [3])).toBe(5);
      expect(proxy.requests.map((r) => JSON.parse(r.body)[0])).toEqual(['EVALSHA']);
      expect(await c.scriptLoad(script.source)).toBe(await script.sha1());
      expect(await c.scriptExists(await script.sha1(), '0'.repeat(40))).toEqual([true, false]);
      expect(await c.eval<string>('return ARGV[1]', [], ['x'])).toBe('x');
      expect(await c.evalRo<string>("return redis.call('GET', KEYS[1])", ['sc:n'])).toBe('5');
    });

    it('cluster admin calls', async () => {
      const c = direct();
      const info = await c.cluster.info();
      expect(info).toMatchObject({ state: 'ok', slotsAssigned: 16384, slotsTotal: 16384, size: 3 });
      const nodes = await c.cluster.nodes();
      expect(nodes.map((n) => n.port).sort()).toEqual(
        cluster()
          .nodes.map((n) => n.port)
          .sort(),
      );
      const slots = await c.cluster.slots();
      expect(slots.reduce((sum, r) => sum + (r.end - r.start + 1), 0)).toBe(16384);
      expect(await c.cluster.health()).toEqual({ status: 'ok' });
      expect(await c.cluster.ready()).toMatchObject({ ready: true, slotsCovered: 16384 });
      const bad = new Slotway({ url: server.url, token: 'wrong-token-0123456789' });
      const err = await bad.cluster.info().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SlotwayReplyError);
      expect((err as SlotwayReplyError).status).toBe(401);
    });
  });

  describe('pipelines and transactions', () => {
    it('pipeline() resolves a typed tuple in one request', async () => {
      const c = proxied();
      const results = await c.pipeline().set('p:a', '1').incr('p:a').get('p:a').mget('p:a', 'p:none').exec();
      expect(results).toEqual(['OK', 2, '2', ['2', null]]);
      expect(proxy.requests.map((r) => r.path)).toEqual(['/pipeline']);
      const settled = await c.pipeline().get('p:a').lpush('p:a', 'x').execSettled();
      expect(settled[0]).toEqual({ ok: true, value: '2' });
      expect(settled[1].ok).toBe(false);
      await expect(c.pipeline().get('p:a').lpush('p:a', 'x').exec()).rejects.toBeInstanceOf(
        SlotwayPipelineError,
      );
    });

    it('multi() runs atomically through /multi-exec', async () => {
      const c = proxied();
      const results = await c.multi().set('{t}a', '1').incrby('{t}a', 4).get('{t}a').exec();
      expect(results).toEqual(['OK', 5, '5']);
      expect(proxy.requests.map((r) => r.path)).toEqual(['/multi-exec']);
      // A command that fails at queue time aborts the whole transaction.
      const err = await c
        .multi()
        .set('{t}a', '100')
        .command(['NOSUCHCOMMAND'])
        .exec()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SlotwayPipelineError);
      expect(await c.get('{t}a')).toBe('5');
    });
  });

  describe('auto-pipelining', () => {
    it('sends the commands of one tick as one request, each promise with its own outcome', async () => {
      const c = proxied();
      await c.set('ap:str', 'v');
      proxy.reset();
      const keys = Array.from({ length: 25 }, (_, i) => `ap:${i}`);
      const writes = await Promise.all(keys.map((k, i) => c.set(k, String(i))));
      expect(writes.every((w) => w === 'OK')).toBe(true);
      const [reads, failure] = await Promise.all([
        Promise.all(keys.map((k) => c.get(k))),
        c.lpush('ap:str', 'x').catch((e: unknown) => e),
      ]);
      expect(reads).toEqual(keys.map((_, i) => String(i)));
      expect(failure).toBeInstanceOf(SlotwayReplyError);
      expect(proxy.requests.map((r) => r.path)).toEqual(['/pipeline', '/pipeline']);
      expect(JSON.parse(proxy.requests[1]!.body)).toHaveLength(26);
    });

    it('can be turned off or capped', async () => {
      const off = proxied({ autoPipeline: false });
      await Promise.all(Array.from({ length: 5 }, (_, i) => off.get(`ap:${i}`)));
      expect(proxy.count('/')).toBe(5);
      const capped = proxied({ autoPipeline: { maxCommands: 10 } });
      await Promise.all(Array.from({ length: 25 }, (_, i) => capped.get(`ap:${i}`)));
      expect(proxy.requests.map((r) => JSON.parse(r.body).length)).toEqual([10, 10, 5]);
    });
  });

  describe('retries', () => {
    const fast = { attempts: 4, baseDelayMs: 20, maxDelayMs: 200 };

    it('re-sends a read whose connection was cut', async () => {
      const c = proxied({ retry: fast });
      await c.set('r:k', 'v');
      proxy.reset();
      proxy.inject('drop', 'cut-after-forward');
      expect(await c.get('r:k')).toBe('v');
      expect(proxy.count('/')).toBe(3);
    });

    it('never re-sends INCR after a lost answer, and says it may have run', async () => {
      const c = proxied({ retry: fast });
      proxy.reset();
      proxy.inject('cut-after-forward');
      const err = await c.incr('r:counter').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SlotwayConnectionError);
      expect((err as SlotwayConnectionError).mayHaveExecuted).toBe(true);
      expect(proxy.count()).toBe(1);
      // It did run, exactly once.
      expect(await c.get('r:counter')).toBe('1');
    });

    it('re-sends INCR only when the caller opts in (and then it may run twice)', async () => {
      const c = proxied({ retry: { ...fast, retryNonIdempotent: true } });
      await c.set('r:optin', '0');
      proxy.reset();
      proxy.inject('cut-after-forward');
      expect(await c.incr('r:optin')).toBe(2);
      expect(proxy.count('/')).toBe(2);
    });

    it('splits a failed auto-pipelined batch: reads retried, INCR failed', async () => {
      const c = proxied({ retry: fast });
      await c.mset({ 'r:a': 'A', 'r:b': '0' });
      proxy.reset();
      proxy.inject('cut-after-forward');
      const [a, incr] = await Promise.all([c.get('r:a'), c.incr('r:b').catch((e: unknown) => e)]);
      expect(a).toBe('A');
      expect(incr).toBeInstanceOf(SlotwayConnectionError);
      // Second attempt: only the GET, as a single command.
      expect(proxy.requests.map((r) => r.path)).toEqual(['/pipeline', '/']);
      expect(JSON.parse(proxy.requests[1]!.body)).toEqual(['GET', 'r:a']);
    });

    it('does not retry when retries are off', async () => {
      const c = proxied({ retry: false });
      proxy.inject('drop');
      await expect(c.get('r:a')).rejects.toBeInstanceOf(SlotwayConnectionError);
    });

    it('waits out a 429 as Retry-After says, for any command (nothing ran)', async () => {
      const c = new Slotway({ url: server.url, token: SLOW_TOKEN, retry: { attempts: 3 } });
      const started = Date.now();
      expect(await c.incr('r:limited')).toBe(1);
      expect(await c.incr('r:limited')).toBe(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(800);
      const impatient = new Slotway({ url: server.url, token: SLOW_TOKEN, retry: false });
      await new Promise((r) => setTimeout(r, 1100));
      await impatient.incr('r:limited');
      const err = await impatient.incr('r:limited').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SlotwayReplyError);
      expect((err as SlotwayReplyError).status).toBe(429);
      expect((err as SlotwayReplyError).retryAfterMs).toBeGreaterThan(0);
    });

    it('rides out a server restart for reads; INCR against the closed port fails', async () => {
      const c = direct({ retry: { attempts: 8, baseDelayMs: 100, maxDelayMs: 400 } });
      await c.set('r:restart', 'still here');
      await server.stop();
      const incr = c.incr('r:restart-n').catch((e: unknown) => e);
      const read = c.get('r:restart');
      await new Promise((r) => setTimeout(r, 300));
      await server.start();
      expect(await read).toBe('still here');
      expect(await incr).toBeInstanceOf(SlotwayConnectionError);
    });
  });

  describe('WebSocket client', () => {
    let sock: SlotwaySocket;
    let publisher: Slotway;

    beforeAll(() => {
      publisher = direct();
      sock = publisher.socket({ reconnect: { baseDelayMs: 50, maxDelayMs: 300 } });
    });
    afterAll(async () => {
      await sock?.close();
    });

    it('runs typed commands, pipelines and transactions', async () => {
      await sock.connect();
      expect(sock.state).toBe('open');
      expect(await sock.set('ws:a', 'v')).toBe('OK');
      expect(await sock.get('ws:a')).toBe('v');
      expect(await sock.incr('ws:n')).toBe(1);
      expect(await sock.mget('ws:a', 'ws:none')).toEqual(['v', null]);
      const bytes = new Uint8Array([0xff, 0, 0x80]);
      expect(await sock.set('ws:bin', bytes)).toBe('OK');
      expect(await sock.getBytes('ws:bin')).toEqual(bytes);
      expect(await sock.pipeline().set('ws:p', '1').incr('ws:p').get('ws:p').exec()).toEqual(['OK', 2, '2']);
      expect(await sock.multi().set('{ws}t', 'a').append('{ws}t', 'b').exec()).toEqual(['OK', 2]);
      const err = await sock.lpush('ws:a', 'x').catch((e: unknown) => e);
      expect((err as SlotwayReplyError).code).toBe('WRONGTYPE');
    });

    it('receives messages for subscribe, psubscribe and ssubscribe', async () => {
      const plain: PubSubMessage[] = [];
      const sub = await sock.subscribe(['news', 'sports'], (m) => plain.push(m));
      const patterned = await sock.psubscribe('weather.*');
      const sharded: PubSubMessage[] = [];
      await sock.ssubscribe('{shard}chan', (m) => sharded.push(m));

      await publisher.publish('news', 'headline');
      await publisher.publish('sports', 'score ü');
      await publisher.publish('weather.paris', 'rain');
      await publisher.spublish('{shard}chan', 'sharded hello');

      await eventually(() => plain.length === 2 && sharded.length === 1);
      // Two channels may live on different nodes: as with Redis Cluster itself, messages keep their
      // order within a channel, not across channels (one travels over the cluster bus, one may not).
      const byChannel = [...plain].sort((x, y) => x.channel.localeCompare(y.channel));
      expect(byChannel).toEqual([
        { type: 'message', channel: 'news', message: 'headline' },
        { type: 'message', channel: 'sports', message: 'score ü' },
      ]);
      expect(sharded).toEqual([{ type: 'smessage', channel: '{shard}chan', message: 'sharded hello' }]);
      const iterator = patterned[Symbol.asyncIterator]();
      expect((await iterator.next()).value).toEqual({
        type: 'pmessage',
        pattern: 'weather.*',
        channel: 'weather.paris',
        message: 'rain',
      });
      await sub.unsubscribe();
      await patterned.unsubscribe();
      // After unsubscribing nothing more arrives: the sharded channel, still subscribed, fences it.
      await publisher.publish('news', 'nobody listens');
      await publisher.spublish('{shard}chan', 'fence');
      await eventually(() => sharded.length === 2);
      expect(plain).toHaveLength(2);
    });

    it('reconnects after the server closes its connections and subscribes again', async () => {
      const received: PubSubMessage[] = [];
      const record = (m: PubSubMessage) => received.push(m);
      const arrived = (type: PubSubMessage['type'], message: string) =>
        received.some((m) => m.type === type && m.message === message);
      // One subscription of each kind, on names no other test uses.
      const subs = [
        await sock.subscribe('alerts', record),
        await sock.psubscribe('alerts.*', record),
        await sock.ssubscribe('{alerts}sharded', record),
      ];
      await publisher.publish('alerts', 'before');
      await publisher.publish('alerts.fire', 'before');
      await publisher.spublish('{alerts}sharded', 'before');
      await eventually(() => received.length === 3);
      expect(received).toEqual(
        expect.arrayContaining([
          { type: 'message', channel: 'alerts', message: 'before' },
          { type: 'pmessage', pattern: 'alerts.*', channel: 'alerts.fire', message: 'before' },
          { type: 'smessage', channel: '{alerts}sharded', message: 'before' },
        ]),
      );

      const events: string[] = [];
      const offClose = sock.on('close', () => events.push('close'));
      const offOpen = sock.on('open', (e) => events.push(e.reconnected ? 'reopen' : 'open'));
      try {
        await server.restart(200);
        // A read issued while reconnecting is queued and answered once the connection is back.
        expect(await sock.get('ws:a')).toBe('v');
        await eventually(() => events.includes('reopen'));
        expect(events[0]).toBe('close');
        // Each kind is re-subscribed by its own frame, confirmed asynchronously: publish until a
        // message of every kind lands (each kind publishes only until its own has arrived).
        await eventually(async () => {
          if (!arrived('message', 'after')) await publisher.publish('alerts', 'after');
          if (!arrived('pmessage', 'after')) await publisher.publish('alerts.fire', 'after');
          if (!arrived('smessage', 'after')) await publisher.spublish('{alerts}sharded', 'after');
          return arrived('message', 'after') && arrived('pmessage', 'after') && arrived('smessage', 'after');
        }, 10_000);
        const after = received.filter((m) => m.message === 'after');
        expect(after).toContainEqual({ type: 'message', channel: 'alerts', message: 'after' });
        expect(after).toContainEqual({
          type: 'pmessage',
          pattern: 'alerts.*',
          channel: 'alerts.fire',
          message: 'after',
        });
        expect(after).toContainEqual({ type: 'smessage', channel: '{alerts}sharded', message: 'after' });
      } finally {
        offClose();
        offOpen();
        for (const sub of subs) await sub.unsubscribe();
      }
    });

    it('re-sends a read whose answer is lost in a disconnect, once reconnected', async () => {
      // A read-only script that holds its answer back ~300 ms, so the restart below cuts it off.
      const slowRead =
        "local s = redis.call('TIME') local t repeat t = redis.call('TIME') " +
        "until (t[1] - s[1]) * 1000000 + (t[2] - s[2]) > 300000 return 'done'";
      const admins = await Promise.all(
        cluster().nodes.map((n) => AdminClient.connect({ host: '127.0.0.1', port: n.port })),
      );
      const evalRoCalls = async () =>
        (await Promise.all(admins.map((a) => commandCalls(a, 'eval_ro')))).reduce((x, y) => x + y, 0);
      const other = publisher.socket({ reconnect: { baseDelayMs: 50, maxDelayMs: 300 } });
      try {
        await other.connect();
        const before = await evalRoCalls();
        // EVAL_RO only reads, so the client may run it again.
        const answer = other.command<string>(['EVAL_RO', slowRead, '0']);
        await new Promise((r) => setTimeout(r, 100));
        await server.restart();
        expect(await answer).toBe('done');
        // It ran twice: once answered into the closed connection, once after the reconnect.
        await eventually(async () => (await evalRoCalls()) === before + 2);
      } finally {
        await other.close();
        for (const admin of admins) admin.close();
      }
    });

    it('fails a non-idempotent request whose answer is lost in a disconnect', async () => {
      const other = publisher.socket({ reconnect: { baseDelayMs: 50, maxDelayMs: 300 } });
      try {
        await other.connect();
        // BLPOP blocks server-side, so the answer is certainly outstanding when the server goes away.
        const blocked = other.command(['BLPOP', 'ws:never', '5']).catch((e: unknown) => e);
        await new Promise((r) => setTimeout(r, 100));
        await server.restart();
        const err = await blocked;
        expect(err).toBeInstanceOf(SlotwayConnectionError);
        expect((err as SlotwayConnectionError).mayHaveExecuted).toBe(true);
        expect(await other.ping()).toBe('PONG');
      } finally {
        await other.close();
      }
      expect(other.state).toBe('closed');
      await expect(other.get('x')).rejects.toBeInstanceOf(SlotwayConnectionError);
    });
  });
});
