// Real, unmodified Redis clients talk to Slotway as if it were one plain Redis: ioredis and
// node-redis (non-cluster mode) with common data types and pipelines, redis-cli with arguments and
// in pipe mode, and redis-benchmark pipelining five command types with zero errors.

import { execFile, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { useCluster } from '../support/cluster.js';
import { useGateway } from '../support/gateway.js';

interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool to completion (bounded by `timeoutMs`), optionally feeding it stdin. */
function runTool(bin: string, args: string[], stdin?: string | Buffer, timeoutMs = 60_000): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(stdin ?? '');
  });
}

function cli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-p', String(port), ...args], { timeout: 10_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout.replace(/\n$/, '')),
    );
  });
}

/** Final per-test lines of `redis-benchmark -q` (progress lines are separated by CR). */
function benchmarkQuietResults(stdout: string): Map<string, number> {
  const results = new Map<string, number>();
  for (const line of stdout.split(/[\r\n]+/)) {
    const m = /^\s*([A-Z][^:]*): ([\d.]+) requests per second/.exec(line);
    if (m) results.set(m[1]!, Number(m[2]));
  }
  return results;
}

const BENCH_TESTS = ['SET', 'GET', 'INCR', 'LPUSH', 'MSET (10 keys)'];

describe('real clients through Slotway', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  const gateway = useGateway(cluster);

  it('ioredis: strings, hashes, lists, sets, zsets, expire, pipelines and multi-key commands', async () => {
    const redis = new Redis({
      port: gateway().port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    try {
      await redis.connect();
      expect(await redis.ping()).toBe('PONG');
      expect(await redis.set('io:str', 'hello')).toBe('OK');
      expect(await redis.append('io:str', ' world')).toBe(11);
      expect(await redis.get('io:str')).toBe('hello world');
      expect(await redis.incrby('io:counter', 5)).toBe(5);
      expect(await redis.incr('io:counter')).toBe(6);

      expect(await redis.hset('io:hash', { a: '1', b: '2', c: '3' })).toBe(3);
      expect(await redis.hgetall('io:hash')).toEqual({ a: '1', b: '2', c: '3' });
      expect(await redis.hincrby('io:hash', 'a', 10)).toBe(11);

      expect(await redis.rpush('io:list', 'x', 'y', 'z')).toBe(3);
      expect(await redis.lpush('io:list', 'w')).toBe(4);
      expect(await redis.lrange('io:list', 0, -1)).toEqual(['w', 'x', 'y', 'z']);
      expect(await redis.lpop('io:list')).toBe('w');

      expect(await redis.sadd('io:set', 'a', 'b', 'c', 'a')).toBe(3);
      expect((await redis.smembers('io:set')).sort()).toEqual(['a', 'b', 'c']);
      expect(await redis.sismember('io:set', 'b')).toBe(1);

      expect(await redis.zadd('io:zset', 3, 'c', 1, 'a', 2, 'b')).toBe(3);
      expect(await redis.zrange('io:zset', 0, -1, 'WITHSCORES')).toEqual(['a', '1', 'b', '2', 'c', '3']);
      expect(await redis.zscore('io:zset', 'b')).toBe('2');

      await redis.set('io:ttl', 'v');
      expect(await redis.expire('io:ttl', 100)).toBe(1);
      const ttl = await redis.ttl('io:ttl');
      expect(ttl).toBeGreaterThan(90);
      expect(ttl).toBeLessThanOrEqual(100);

      // Cross-slot multi-key commands are split and merged by the gateway.
      const keys = Array.from({ length: 20 }, (_, i) => `io:multi:${i}`);
      expect(await redis.mset(Object.fromEntries(keys.map((k, i) => [k, `v${i}`])))).toBe('OK');
      expect(await redis.mget(...keys, 'io:missing')).toEqual([...keys.map((_, i) => `v${i}`), null]);
      expect(await redis.exists(...keys, 'io:missing')).toBe(20);

      // A pipeline of 200 commands over many slots: one batch, answered in order, no errors.
      const pipeline = redis.pipeline();
      for (let i = 0; i < 50; i++) {
        pipeline.set(`io:p:${i}`, `${i}`);
        pipeline.incr(`io:p:${i}`);
        pipeline.get(`io:p:${i}`);
        pipeline.hset(`io:ph:${i}`, 'f', `${i}`);
      }
      const results = await pipeline.exec();
      expect(results).toHaveLength(200);
      for (let i = 0; i < 50; i++) {
        expect(results![4 * i]).toEqual([null, 'OK']);
        expect(results![4 * i + 1]).toEqual([null, i + 1]);
        expect(results![4 * i + 2]).toEqual([null, `${i + 1}`]);
        expect(results![4 * i + 3]).toEqual([null, 1]);
      }
      expect(await redis.del(...keys)).toBe(20);
    } finally {
      redis.disconnect();
    }
  });

  it('node-redis (RESP2): common commands, auto-pipelining and execAsPipeline', async () => {
    const client = createClient({
      socket: { port: gateway().port, host: '127.0.0.1', reconnectStrategy: false },
    });
    client.on('error', () => {});
    await client.connect();
    try {
      expect(await client.ping()).toBe('PONG');
      expect(await client.set('nr:str', 'value', { EX: 100 })).toBe('OK');
      expect(await client.get('nr:str')).toBe('value');
      expect(await client.ttl('nr:str')).toBeGreaterThan(90);
      expect(await client.persist('nr:str')).toBe(1);
      expect(await client.ttl('nr:str')).toBe(-1);

      expect(await client.hSet('nr:hash', { name: 'slotway', kind: 'gateway' })).toBe(2);
      expect(await client.hGetAll('nr:hash')).toEqual({ name: 'slotway', kind: 'gateway' });
      expect(await client.rPush('nr:list', ['1', '2', '3'])).toBe(3);
      expect(await client.lRange('nr:list', 0, -1)).toEqual(['1', '2', '3']);
      expect(await client.sAdd('nr:set', ['m1', 'm2'])).toBe(2);
      expect(await client.sCard('nr:set')).toBe(2);
      expect(
        await client.zAdd('nr:zset', [
          { score: 2, value: 'two' },
          { score: 1, value: 'one' },
        ]),
      ).toBe(2);
      expect(await client.zRangeWithScores('nr:zset', 0, -1)).toEqual([
        { value: 'one', score: 1 },
        { value: 'two', score: 2 },
      ]);

      // Commands issued in the same tick are written as one pipeline by node-redis.
      const n = 300;
      const writes = await Promise.all(
        Array.from({ length: n }, (_, i) => client.set(`nr:auto:${i}`, `${i * 7}`)),
      );
      expect(writes.every((r) => r === 'OK')).toBe(true);
      const reads = await Promise.all(Array.from({ length: n }, (_, i) => client.get(`nr:auto:${i}`)));
      expect(reads).toEqual(Array.from({ length: n }, (_, i) => `${i * 7}`));

      // A pipeline without MULTI/EXEC (transactions come with the pinned-connection work).
      const pipe = client.multi();
      for (let i = 0; i < 40; i++) pipe.incrBy(`nr:pipe:${i}`, i).get(`nr:pipe:${i}`);
      pipe.mSet(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`nr:ms:${i}`, `${i}`])));
      pipe.mGet(Array.from({ length: 10 }, (_, i) => `nr:ms:${i}`));
      const replies = await pipe.execAsPipeline();
      expect(replies).toHaveLength(82);
      for (let i = 0; i < 40; i++) {
        expect(replies[2 * i]).toBe(i);
        expect(replies[2 * i + 1]).toBe(`${i}`);
      }
      expect(replies[80]).toBe('OK');
      expect(replies[81]).toEqual(Array.from({ length: 10 }, (_, i) => `${i}`));
    } finally {
      await client.close();
    }
  });

  it('node-redis (RESP3 via HELLO 3) reads maps and sets', async () => {
    const client = createClient({
      RESP: 3,
      socket: { port: gateway().port, host: '127.0.0.1', reconnectStrategy: false },
    });
    client.on('error', () => {});
    await client.connect();
    try {
      await client.hSet('nr3:hash', { a: '1', b: '2' });
      expect(await client.hGetAll('nr3:hash')).toEqual({ a: '1', b: '2' });
      await client.sAdd('nr3:set', ['x', 'y']);
      const members = await client.sMembers('nr3:set');
      expect([...members].sort()).toEqual(['x', 'y']);
      expect(await client.incrByFloat('nr3:float', 1.5)).toBe('1.5');
      const keys = Array.from({ length: 12 }, (_, i) => `nr3:k${i}`);
      await client.mSet(keys.map((k): [string, string] => [k, k]));
      expect(await client.mGet(keys)).toEqual(keys);
    } finally {
      await client.close();
    }
  });

  it('redis-cli: commands as arguments, commands on stdin, and --pipe mode', async () => {
    const port = gateway().port;
    expect(await cli(port, 'SET', 'cli:a', 'hello world')).toBe('OK');
    expect(await cli(port, 'GET', 'cli:a')).toBe('hello world');
    expect(await cli(port, 'RPUSH', 'cli:list', 'a', 'b', 'c')).toBe('3');
    expect(await cli(port, 'LRANGE', 'cli:list', '0', '-1')).toBe('a\nb\nc');
    expect(await cli(port, 'MGET', 'cli:a', 'cli:nope')).toBe('hello world\n');

    const lines = await runTool(
      'redis-cli',
      ['-p', String(port)],
      'SET cli:x 41\nINCR cli:x\nGET cli:x\nPING\n',
    );
    expect(lines.code).toBe(0);
    expect(lines.stdout.trim().split('\n')).toEqual(['OK', '42', '42', 'PONG']);

    // Mass insertion: a RESP stream on stdin; redis-cli reports the error and reply counts.
    const n = 2000;
    let stream = '';
    for (let i = 0; i < n; i++) {
      const key = `cli:pipe:${i}`;
      const value = String(i);
      stream += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n`;
    }
    const piped = await runTool('redis-cli', ['-p', String(port), '--pipe'], stream);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(new RegExp(`errors: 0, replies: ${n}`));
    expect(await cli(port, 'GET', `cli:pipe:${n - 1}`)).toBe(String(n - 1));
    expect(await cli(port, 'EXISTS', 'cli:pipe:0', 'cli:pipe:1', 'cli:pipe:1999')).toBe('3');
  });

  it('redis-benchmark -t set,get,incr,lpush,mset -P 16 runs every test with zero errors', async () => {
    const port = String(gateway().port);
    const common = ['-p', port, '-t', 'set,get,incr,lpush,mset', '-P', '16', '-n', '20000', '-r', '10000'];

    const quiet = await runTool('redis-benchmark', [...common, '-q'], undefined, 60_000);
    expect(quiet.stderr).not.toMatch(/error/i);
    expect(quiet.code).toBe(0);
    const results = benchmarkQuietResults(quiet.stdout);
    expect([...results.keys()]).toEqual(BENCH_TESTS);
    for (const rps of results.values()) expect(rps).toBeGreaterThan(0);

    const csv = await runTool('redis-benchmark', [...common, '--csv'], undefined, 60_000);
    expect(csv.stderr).not.toMatch(/error/i);
    expect(csv.code).toBe(0);
    const rows = csv.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(',').map((cell) => cell.replace(/^"|"$/g, '')));
    expect(rows[0]![0]).toBe('test');
    expect(rows.slice(1).map((r) => r[0])).toEqual(BENCH_TESTS);
    for (const row of rows.slice(1)) expect(Number(row[1])).toBeGreaterThan(0);

    // The benchmark really wrote through the gateway to the cluster.
    const c = await gateway().client();
    try {
      const dbsize = await c.call('DBSIZE');
      expect(dbsize.type === 'integer' && dbsize.value > 1000).toBe(true);
    } finally {
      c.close();
    }
  });
});
