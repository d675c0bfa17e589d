import { describe, expect, it } from 'vitest';
import { type RespValue, resp } from '../protocol/resp-value.js';
import {
  type DiscoveredShard,
  parseClusterShards,
  parseClusterSlots,
  splitHostPort,
} from './cluster-discovery.js';

type Shape = string | number | null | Shape[] | { [field: string]: Shape };

/** Builds a reply: strings are bulk strings, numbers integers, objects RESP2 flat records. */
function v(shape: Shape): RespValue {
  if (shape === null) return resp.nullBulk();
  if (typeof shape === 'string') return resp.bulk(shape);
  if (typeof shape === 'number') return resp.integer(shape);
  if (Array.isArray(shape)) return resp.array(shape.map(v));
  return resp.array(Object.entries(shape).flatMap(([k, val]) => [resp.bulk(k), v(val)]));
}

/** The same, with objects as RESP3 maps. */
function v3(shape: Shape): RespValue {
  if (shape === null || typeof shape !== 'object') return v(shape);
  if (Array.isArray(shape)) return resp.array(shape.map(v3));
  return resp.map(Object.entries(shape).map(([k, val]) => [resp.bulk(k), v3(val)]));
}

/** Compact view of parsed shards: ranges, primary key, replica keys. */
function summary(shards: DiscoveredShard[]) {
  return shards.map((s) => ({
    ranges: s.ranges,
    primary: s.shard.primary.key,
    replicas: s.shard.replicas.map((r) => r.key),
  }));
}

function shardsNode(fields: Record<string, Shape>): Record<string, Shape> {
  return {
    id: 'a'.repeat(40),
    port: 7000,
    ip: '10.0.0.1',
    endpoint: '10.0.0.1',
    role: 'master',
    'replication-offset': 72156,
    health: 'online',
    ...fields,
  };
}

describe('parseClusterShards', () => {
  const asked = 'seed.example';

  it('reads primaries, online replicas and slot ranges (Redis 7 output)', () => {
    const reply = v([
      {
        slots: [0, 5460, 10923, 10930],
        nodes: [
          shardsNode({ id: 'p1', port: 7000 }),
          shardsNode({ id: 'r1', port: 7003, role: 'replica' }),
          shardsNode({ id: 'r2', port: 7004, role: 'replica', health: 'loading' }),
          shardsNode({ id: 'r3', port: 7005, role: 'replica', health: 'fail' }),
        ],
      },
      { slots: [5461, 10922], nodes: [shardsNode({ id: 'p2', port: 7001 })] },
    ]);
    expect(summary(parseClusterShards(reply, asked))).toEqual([
      {
        ranges: [
          [0, 5460],
          [10923, 10930],
        ],
        primary: '10.0.0.1:7000',
        replicas: ['10.0.0.1:7003'],
      },
      { ranges: [[5461, 10922]], primary: '10.0.0.1:7001', replicas: [] },
    ]);
    expect(parseClusterShards(reply, asked)[0]!.shard.primary.id).toBe('p1');
  });

  it('accepts integers sent as strings and RESP3 maps', () => {
    const shape: Shape = [
      { slots: ['0', '16383'], nodes: [shardsNode({ port: '7000', 'replication-offset': '1' })] },
    ];
    const expected = [{ ranges: [[0, 16383]], primary: '10.0.0.1:7000', replicas: [] }];
    expect(summary(parseClusterShards(v(shape), asked))).toEqual(expected);
    expect(summary(parseClusterShards(v3(shape), asked))).toEqual(expected);
  });

  it('ignores fields it does not know, whatever their type', () => {
    const reply = v3([
      {
        slots: [0, 16383],
        'shard-id': 'abc',
        nodes: [
          shardsNode({
            hostname: 'node-1.internal',
            'tls-port': 7100,
            'availability-zone': 'eu-west-1a',
            future: [1, [2, { deep: 'x' }]],
          }),
        ],
        extra: { nested: ['a', 1] },
      },
    ]);
    expect(summary(parseClusterShards(reply, asked))).toEqual([
      { ranges: [[0, 16383]], primary: '10.0.0.1:7000', replicas: [] },
    ]);
  });

  it('takes tls-port over TLS and port otherwise, when a tls-cluster node lists both', () => {
    // What redis-server 7.0 with tls-cluster yes and a plain port too answers.
    const reply = v([{ slots: [0, 16383], nodes: [shardsNode({ port: 7000, 'tls-port': 7100 })] }]);
    expect(summary(parseClusterShards(reply, asked))[0]!.primary).toBe('10.0.0.1:7000');
    expect(summary(parseClusterShards(reply, asked, true))[0]!.primary).toBe('10.0.0.1:7100');
    // A TLS-only node lists tls-port alone; a plain-only one port alone.
    const { port: _plain, ...tlsNode } = shardsNode({ 'tls-port': 7100 });
    const tlsOnly = v([{ slots: [0, 16383], nodes: [tlsNode] }]);
    expect(summary(parseClusterShards(tlsOnly, asked))[0]!.primary).toBe('10.0.0.1:7100');
    const plainOnly = v([{ slots: [0, 16383], nodes: [shardsNode({})] }]);
    expect(summary(parseClusterShards(plainOnly, asked, true))[0]!.primary).toBe('10.0.0.1:7000');
  });

  it('uses the host it asked for an empty endpoint (unknown-endpoint)', () => {
    const reply = v([{ slots: [0, 16383], nodes: [shardsNode({ endpoint: '', ip: '172.17.0.5' })] }]);
    expect(summary(parseClusterShards(reply, asked))[0]!.primary).toBe('seed.example:7000');
  });

  it('falls back to the ip for a `?` endpoint (hostname preferred but none set)', () => {
    const reply = v([{ slots: [0, 16383], nodes: [shardsNode({ endpoint: '?', ip: '10.1.2.3' })] }]);
    expect(summary(parseClusterShards(reply, asked))[0]!.primary).toBe('10.1.2.3:7000');
  });

  it('prefers the advertised endpoint, hostnames included', () => {
    const reply = v([
      { slots: [0, 16383], nodes: [shardsNode({ endpoint: 'node-1.internal', ip: '10.1.2.3' })] },
    ]);
    expect(summary(parseClusterShards(reply, asked))[0]!.primary).toBe('node-1.internal:7000');
  });

  it('keeps IPv6 endpoints whole and brackets them in the node key', () => {
    const reply = v([
      {
        slots: [0, 16383],
        nodes: [
          shardsNode({ endpoint: '2001:db8::1', ip: '2001:db8::1' }),
          shardsNode({ endpoint: '::1', ip: '::1', port: 7001, role: 'replica' }),
        ],
      },
    ]);
    const [shard] = parseClusterShards(reply, asked);
    expect(shard!.shard.primary.host).toBe('2001:db8::1');
    expect(shard!.shard.primary.key).toBe('[2001:db8::1]:7000');
    expect(shard!.shard.replicas.map((r) => r.key)).toEqual(['[::1]:7001']);
  });

  it('leaves out shards without slots or without a primary, and nodes it cannot place', () => {
    const reply = v([
      { slots: [], nodes: [shardsNode({ port: 7000 })] },
      { slots: [0, 100], nodes: [shardsNode({ port: 7001, role: 'replica' })] },
      {
        slots: [101, 16383],
        nodes: [
          shardsNode({ port: 7002 }),
          shardsNode({ port: 7003, role: 'replica', endpoint: '?', ip: '' }),
        ],
      },
    ]);
    expect(summary(parseClusterShards(reply, asked))).toEqual([
      { ranges: [[101, 16383]], primary: '10.0.0.1:7002', replicas: [] },
    ]);
  });

  it('returns nothing for replies that are not shard lists', () => {
    expect(parseClusterShards(resp.simple('OK'), asked)).toEqual([]);
    expect(parseClusterShards(v([]), asked)).toEqual([]);
    expect(parseClusterShards(v(['garbage', 1]), asked)).toEqual([]);
  });
});

describe('parseClusterSlots', () => {
  const asked = 'seed.example';

  it('reads ranges with their primary and replicas, merging ranges of one primary', () => {
    const reply = v([
      [0, 5460, ['127.0.0.1', 7000, 'p1'], ['127.0.0.1', 7003, 'r1']],
      [5461, 10922, ['127.0.0.1', 7001, 'p2']],
      [10923, 16383, ['127.0.0.1', 7000, 'p1'], ['127.0.0.1', 7003, 'r1']],
    ]);
    expect(summary(parseClusterSlots(reply, asked))).toEqual([
      {
        ranges: [
          [0, 5460],
          [10923, 16383],
        ],
        primary: '127.0.0.1:7000',
        replicas: ['127.0.0.1:7003'],
      },
      { ranges: [[5461, 10922]], primary: '127.0.0.1:7001', replicas: [] },
    ]);
  });

  it('accepts integers sent as strings and ignores extra elements', () => {
    const reply = v([['0', '16383', ['127.0.0.1', '7000', 'p1', { hostname: 'node-1' }, 'future'], 'junk']]);
    expect(summary(parseClusterSlots(reply, asked))).toEqual([
      { ranges: [[0, 16383]], primary: '127.0.0.1:7000', replicas: [] },
    ]);
  });

  it('uses the host it asked for a NULL or empty endpoint', () => {
    const reply = v([
      [0, 100, [null, 7000, 'p1', { ip: '172.17.0.5' }]],
      [101, 16383, ['', 7001, 'p2']],
    ]);
    expect(summary(parseClusterSlots(reply, asked)).map((s) => s.primary)).toEqual([
      'seed.example:7000',
      'seed.example:7001',
    ]);
  });

  it('falls back to the ip in the metadata for a `?` endpoint', () => {
    const reply = v([
      [0, 16383, ['?', 7000, 'p1', { ip: '10.1.2.3' }], ['?', 7001, 'r1', { ip: '10.1.2.4' }]],
    ]);
    expect(summary(parseClusterSlots(reply, asked))).toEqual([
      { ranges: [[0, 16383]], primary: '10.1.2.3:7000', replicas: ['10.1.2.4:7001'] },
    ]);
  });

  it('never promotes a replica when the primary cannot be placed', () => {
    const reply = v([[0, 16383, ['?', 7000, 'p1'], ['127.0.0.1', 7001, 'r1']]]);
    const shards = parseClusterSlots(reply, asked);
    expect(shards.map((s) => s.shard.primary.key)).not.toContain('127.0.0.1:7001');
  });

  it('keeps IPv6 endpoints whole', () => {
    const reply = v([[0, 16383, ['::1', 7000, 'p1'], ['2001:db8::2', 7001, 'r1']]]);
    expect(summary(parseClusterSlots(reply, asked))).toEqual([
      { ranges: [[0, 16383]], primary: '[::1]:7000', replicas: ['[2001:db8::2]:7001'] },
    ]);
  });

  it('reads RESP3 replies (metadata as a map)', () => {
    const reply = v3([[0, 16383, ['?', 7000, 'p1', { ip: '10.1.2.3', hostname: '' }]]]);
    expect(summary(parseClusterSlots(reply, asked))[0]!.primary).toBe('10.1.2.3:7000');
  });
});

describe('splitHostPort', () => {
  it('splits host:port, [v6]:port and bare IPv6 at the last colon', () => {
    expect(splitHostPort('127.0.0.1:7000')).toEqual({ host: '127.0.0.1', port: 7000 });
    expect(splitHostPort('redis.internal:6380')).toEqual({ host: 'redis.internal', port: 6380 });
    expect(splitHostPort('[::1]:7000')).toEqual({ host: '::1', port: 7000 });
    expect(splitHostPort('[2001:db8::1]')).toEqual({ host: '2001:db8::1', port: 6379 });
    expect(splitHostPort('2001:db8::1:7000')).toEqual({ host: '2001:db8::1', port: 7000 });
    expect(splitHostPort('localhost')).toEqual({ host: 'localhost', port: 6379 });
  });

  it('gives an empty host for a redirect without one (`:7000`)', () => {
    expect(splitHostPort(':7000')).toEqual({ host: '', port: 7000 });
  });
});
