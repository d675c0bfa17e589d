// Cross-slot and fan-out behaviour over one key in every one of the 16384 slots, compared with a
// standalone redis-server holding the same keys: split commands (MGET, MSET, DEL, EXISTS, UNLINK,
// TOUCH), keyspace fan-out (DBSIZE, KEYS, SCAN, RANDOMKEY, INFO, FLUSHALL/FLUSHDB), scripts and
// functions on every node, CONFIG SET everywhere, exact CROSSSLOT errors, gateway-local commands,
// and the COMMAND GETKEYS routing for commands whose key specs are incomplete.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminClient, type Arg, replyText } from '../../src/backend/admin-client.js';
import { GetKeysRequest } from '../../src/gateway/getkeys-request.js';
import type { QueuedReply } from '../../src/gateway/reply-queue.js';
import { encodeCommand } from '../../src/protocol/resp-encoder.js';
import { decodeFrame } from '../../src/protocol/resp-scanner.js';
import type { RespValue } from '../../src/protocol/resp-value.js';
import { SLOT_COUNT, slotOf } from '../../src/topology/slot-hash.js';
import { useCluster, useStandalone } from '../support/cluster.js';
import { useGateway } from '../support/gateway.js';
import { items, plain } from '../support/resp-plain.js';
import { type Canon, canonical } from './reply-compare.js';

const CROSSSLOT = "-CROSSSLOT Keys in request don't hash to the same slot";

/** One key per slot: KEYS[s] hashes to slot s. */
function keyPerSlot(): string[] {
  const keys: Array<string | undefined> = new Array(SLOT_COUNT);
  let found = 0;
  for (let i = 0; found < SLOT_COUNT; i++) {
    const key = `key:${i}`;
    const slot = slotOf(key);
    if (keys[slot] === undefined) {
      keys[slot] = key;
      found++;
    }
  }
  return keys as string[];
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(values: readonly T[], rand: () => number): T[] {
  const out = values.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** `values` cut into consecutive batches of random sizes in [1, max]. */
function batches<T>(values: readonly T[], max: number, rand: () => number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; ) {
    const size = 1 + Math.floor(rand() * max);
    out.push(values.slice(i, i + size));
    i += size;
  }
  return out;
}

const text = (v: RespValue): string => replyText(v);
const int = (v: RespValue): number => {
  if (v.type !== 'integer') throw new Error(`expected an integer, got ${JSON.stringify(canonical(v))}`);
  return Number(v.value);
};

/** The full SCAN iteration through `client`: every key returned, in the order returned. */
async function scanAll(client: AdminClient, options: Arg[] = []): Promise<string[]> {
  const seen: string[] = [];
  let cursor = '0';
  for (let page = 0; page < 1_000_000; page++) {
    const reply = await client.call('SCAN', cursor, ...options);
    const [next, keys] = items(reply);
    seen.push(...items(keys).map(text));
    cursor = text(next!);
    if (cursor === '0') return seen;
  }
  throw new Error('SCAN did not finish');
}

function keyspaceCounts(info: string): { keys: number; expires: number } {
  const line = /^db0:(.*)$/m.exec(info)?.[1] ?? '';
  const fields = new Map(line.split(',').map((kv) => kv.split('=') as [string, string]));
  return { keys: Number(fields.get('keys') ?? 0), expires: Number(fields.get('expires') ?? 0) };
}

describe('cross-slot and fan-out over all 16384 slots, compared with a standalone server', () => {
  const standalone = useStandalone();
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  const gateway = useGateway(cluster);
  const keys = keyPerSlot();
  const value = (key: string) => `value-of-${key}`;
  let gw: AdminClient;
  let direct: AdminClient;
  /** One admin client per primary of the cluster, for looking behind the gateway. */
  let nodes: AdminClient[];

  /** The same command on both; their replies must be identical. */
  async function both(...args: Arg[]): Promise<Canon> {
    const [expected, actual] = await Promise.all([direct.send(args), gw.send(args)]);
    expect(canonical(actual), args.slice(0, 6).join(' ')).toEqual(canonical(expected));
    return canonical(actual);
  }

  async function fill(): Promise<void> {
    const rand = random(1);
    for (const batch of batches(shuffled(keys, rand), 1500, rand)) {
      const args = batch.flatMap((k) => [k, value(k)]);
      const [a, b] = await Promise.all([gw.call('MSET', ...args), direct.call('MSET', ...args)]);
      expect([text(a), text(b)]).toEqual(['OK', 'OK']);
    }
  }

  beforeAll(async () => {
    gw = await gateway().client();
    direct = await standalone().client(standalone().nodes[0]!.port);
    const primaries = cluster().nodes.filter((n) => n.role === 'primary');
    nodes = await Promise.all(primaries.map((n) => cluster().client(n.port)));
  });

  afterAll(() => {
    gw?.close();
    direct?.close();
    for (const n of nodes ?? []) n.close();
  });

  it('finds one key for every slot', () => {
    expect(new Set(keys.map(slotOf)).size).toBe(SLOT_COUNT);
    for (const [slot, k] of keys.entries()) expect(slotOf(k)).toBe(slot);
  });

  it('MSET in random batches puts every key on the node that owns its slot', async () => {
    await fill();
    await both('DBSIZE');
    expect(int(await gw.call('DBSIZE'))).toBe(SLOT_COUNT);
    const primaries = cluster().nodes.filter((n) => n.role === 'primary');
    for (const [i, node] of primaries.entries()) {
      const owned = node.slots.reduce((n, [first, last]) => n + last - first + 1, 0);
      expect(int(await nodes[i]!.call('DBSIZE'))).toBe(owned);
      const [first] = node.slots[0]!;
      expect(text(await nodes[i]!.call('GET', keys[first]!))).toBe(value(keys[first]!));
    }
    const rand = random(2);
    for (let i = 0; i < 50; i++) {
      const slot = Math.floor(rand() * SLOT_COUNT);
      expect(int(await gw.call('CLUSTER', 'COUNTKEYSINSLOT', slot))).toBe(1);
      expect(plain(await gw.call('CLUSTER', 'GETKEYSINSLOT', slot, 10))).toEqual([keys[slot]]);
    }
  });

  it('MGET in random order and batches, with missing and repeated keys, answers like one Redis', async () => {
    const rand = random(3);
    const asked = shuffled(
      [...keys, ...keys.slice(0, 500), ...Array.from({ length: 500 }, (_, i) => `missing:${i}`)],
      rand,
    );
    for (const batch of batches(asked, 2000, rand)) {
      const [expected, actual] = await Promise.all([
        direct.send(['MGET', ...batch]),
        gw.send(['MGET', ...batch]),
      ]);
      expect(canonical(actual)).toEqual(canonical(expected));
    }
    const all = await gw.call('MGET', ...keys);
    expect(items(all).map(text)).toEqual(keys.map(value));
  });

  it('EXISTS, TOUCH, DEL and UNLINK add up the per-slot counts', async () => {
    const rand = random(4);
    const mixed = shuffled([...keys, ...keys.slice(100, 300), 'missing:a', 'missing:b'], rand);
    for (const batch of batches(mixed, 3000, rand)) {
      await both('EXISTS', ...batch);
      await both('TOUCH', ...batch);
    }
    const doomed = shuffled(keys, rand).slice(0, 4000);
    const [toDelete, toUnlink] = [doomed.slice(0, 2000), doomed.slice(2000)];
    expect(await both('DEL', ...toDelete, 'missing:c', toDelete[0]!)).toBe(':2000');
    expect(await both('UNLINK', ...toUnlink, ...toUnlink.slice(0, 10))).toBe(':2000');
    expect(await both('EXISTS', ...doomed)).toBe(':0');
    expect(await both('DBSIZE')).toBe(`:${SLOT_COUNT - 4000}`);
    expect(await both('DEL', ...doomed)).toBe(':0');
    await fill();
    expect(await both('DBSIZE')).toBe(`:${SLOT_COUNT}`);
  });

  it('DBSIZE, KEYS * and INFO keyspace count every key once', async () => {
    const [expectedKeys, actualKeys] = await Promise.all([direct.call('KEYS', '*'), gw.call('KEYS', '*')]);
    const gatewayKeys = items(actualKeys).map(text);
    expect(gatewayKeys).toHaveLength(SLOT_COUNT);
    expect(gatewayKeys.sort()).toEqual(items(expectedKeys).map(text).sort());
    const pattern = 'key:1?';
    const [a, b] = await Promise.all([direct.call('KEYS', pattern), gw.call('KEYS', pattern)]);
    expect(items(b).map(text).sort()).toEqual(items(a).map(text).sort());

    const expiring = keys.filter((_, slot) => slot % 97 === 0);
    for (const k of expiring) await Promise.all([gw.call('EXPIRE', k, 3600), direct.call('EXPIRE', k, 3600)]);
    const info = text(await gw.call('INFO', 'keyspace'));
    const standaloneInfo = text(await direct.call('INFO', 'keyspace'));
    expect(keyspaceCounts(info)).toEqual({ keys: SLOT_COUNT, expires: expiring.length });
    expect(keyspaceCounts(info)).toEqual(keyspaceCounts(standaloneInfo));
    for (const k of expiring) await Promise.all([gw.call('PERSIST', k), direct.call('PERSIST', k)]);
    expect(keyspaceCounts(text(await gw.call('INFO'))).expires).toBe(0);
  });

  it('SCAN returns every key exactly once, with MATCH, COUNT and TYPE', async () => {
    const everyKey = [...keys].sort();
    for (const options of [[], ['COUNT', 1000], ['COUNT', 3]] as Arg[][]) {
      const seen = await scanAll(gw, options);
      expect(seen, `SCAN ${options.join(' ')}`).toHaveLength(SLOT_COUNT);
      expect(seen.sort()).toEqual(everyKey);
    }
    const matched = await scanAll(gw, ['MATCH', 'key:2*', 'COUNT', 500]);
    expect(new Set(matched).size).toBe(matched.length);
    expect(matched.sort()).toEqual(
      items(await direct.call('KEYS', 'key:2*'))
        .map(text)
        .sort(),
    );

    const hashes = keys.filter((_, slot) => slot % 1000 === 7).map((k) => `{${k}}:hash`);
    for (const h of hashes) await gw.call('HSET', h, 'f', 'v');
    const typed = await scanAll(gw, ['TYPE', 'hash', 'COUNT', 200]);
    expect(typed.sort()).toEqual(hashes.sort());
    const strings = await scanAll(gw, ['TYPE', 'string', 'COUNT', 1000]);
    expect(strings.sort()).toEqual(everyKey);
    expect(await gw.call('DEL', ...hashes)).toEqual({ type: 'integer', value: hashes.length });

    const invalid = await gw.send(['SCAN', 'abc']);
    expect(canonical(invalid)).toEqual(canonical(await direct.send(['SCAN', 'abc'])));
  });

  it('RANDOMKEY returns existing keys from any primary', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const key = text(await gw.call('RANDOMKEY'));
      expect(slotOf(key)).toBeGreaterThanOrEqual(0);
      expect(keys[slotOf(key)]).toBe(key);
      seen.add(key);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('SCRIPT LOAD reaches every node, so EVALSHA works on keys in any slot', async () => {
    const script = "return redis.call('GET', KEYS[1])";
    const sha = await both('SCRIPT', 'LOAD', script);
    for (const n of nodes) expect(plain(await n.call('SCRIPT', 'EXISTS', String(sha).slice(1)))).toEqual([1]);
    const rand = random(5);
    for (let i = 0; i < 300; i++) {
      const key = keys[Math.floor(rand() * SLOT_COUNT)]!;
      await both('EVALSHA', String(sha).slice(1), 1, key);
    }
    await both('EVAL', script, 1, keys[42]!);
    await both('EVAL', "return redis.call('MGET', KEYS[1], KEYS[2])", 2, '{x}a', '{x}b');
    expect(
      await both('SCRIPT', 'EXISTS', String(sha).slice(1), 'ffffffffffffffffffffffffffffffffffffffff'),
    ).toEqual([':1', ':0']);
    expect(await both('SCRIPT', 'FLUSH')).toBe('+OK');
    expect(await both('SCRIPT', 'EXISTS', String(sha).slice(1))).toEqual([':0']);
    await both('EVALSHA', String(sha).slice(1), 1, keys[7]!);
  });

  it('FUNCTION LOAD, LIST, DELETE and FLUSH act on every primary', async () => {
    const code =
      "#!lua name=slotlib\nredis.register_function('slot_get', function(keys) return redis.call('GET', keys[1]) end)";
    expect(await both('FUNCTION', 'LOAD', code)).toBe('$slotlib');
    for (const n of nodes) expect(items(await n.call('FUNCTION', 'LIST'))).toHaveLength(1);
    const rand = random(6);
    for (let i = 0; i < 100; i++) await both('FCALL', 'slot_get', 1, keys[Math.floor(rand() * SLOT_COUNT)]!);
    await both('FUNCTION', 'LIST');
    await both('FUNCTION', 'LOAD', code);
    expect(await both('FUNCTION', 'DELETE', 'slotlib')).toBe('+OK');
    for (const n of nodes) expect(items(await n.call('FUNCTION', 'LIST'))).toHaveLength(0);
    await both('FUNCTION', 'DELETE', 'slotlib');
    await both('FUNCTION', 'LOAD', code);
    expect(await both('FUNCTION', 'FLUSH')).toBe('+OK');
    for (const n of nodes) expect(items(await n.call('FUNCTION', 'LIST'))).toHaveLength(0);
    await both('FCALL', 'slot_get', 1, keys[1]!);
  });

  it('CONFIG SET changes every node; CONFIG GET reads one', async () => {
    expect(await both('CONFIG', 'SET', 'maxmemory-samples', '7')).toBe('+OK');
    for (const n of nodes)
      expect(plain(await n.call('CONFIG', 'GET', 'maxmemory-samples'))).toEqual(['maxmemory-samples', '7']);
    await both('CONFIG', 'GET', 'maxmemory-samples');
    await both('CONFIG', 'SET', 'no-such-parameter', '1');
    await both('CONFIG', 'SET', 'maxmemory-samples', 'abc');
    expect(await both('CONFIG', 'SET', 'maxmemory-samples', '5')).toBe('+OK');
    for (const n of nodes)
      expect(plain(await n.call('CONFIG', 'GET', 'maxmemory-samples'))).toEqual(['maxmemory-samples', '5']);
  });

  it('SLOWLOG GET gathers entries from every node, SLOWLOG LEN adds them up', async () => {
    expect(canonical(await gw.send(['CONFIG', 'SET', 'slowlog-log-slower-than', '0']))).toBe('+OK');
    try {
      expect(canonical(await gw.send(['SLOWLOG', 'RESET']))).toBe('+OK');
      const probes = [keys[0]!, keys[8000]!, keys[16000]!];
      for (const k of probes) await gw.call('GET', k);
      const entries = items(await gw.call('SLOWLOG', 'GET', 1000)).map((e) => plain(e) as unknown[]);
      const logged = entries.map((e) => JSON.stringify(e[3]));
      for (const k of probes) expect(logged).toContain(JSON.stringify(['GET', k]));
      expect(int(await gw.call('SLOWLOG', 'LEN'))).toBeGreaterThanOrEqual(probes.length);
    } finally {
      await gw.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    }
  });

  it('same-slot-only commands over keys in different slots get the server’s exact CROSSSLOT error', async () => {
    const [a, b, c] = [keys[1]!, keys[8000]!, keys[16000]!];
    const lines: Arg[][] = [
      ['MSETNX', a, '1', b, '2'],
      ['SUNIONSTORE', a, b, c],
      ['SINTER', a, b],
      ['RENAME', a, b],
      ['RENAMENX', a, b],
      ['COPY', a, b],
      ['SMOVE', a, b, 'member'],
      ['LMOVE', a, b, 'LEFT', 'RIGHT'],
      ['RPOPLPUSH', a, c],
      ['ZUNIONSTORE', a, 2, b, c],
      ['PFCOUNT', a, b],
      ['PFMERGE', a, b],
      ['BITOP', 'AND', a, b, c],
      ['LCS', a, b],
      ['EVAL', 'return 1', 2, a, b],
      ['XREAD', 'STREAMS', a, b, '0', '0'],
    ];
    const before = gateway().gateway.stats.crossSlot;
    for (const line of lines) {
      const reply = canonical(await gw.send(line));
      expect(reply, line.join(' ')).toBe(CROSSSLOT);
      // A cluster node asked directly says the very same thing.
      expect(canonical(await nodes[0]!.send(line)), line.join(' ')).toBe(CROSSSLOT);
    }
    expect(gateway().gateway.stats.crossSlot - before).toBe(lines.length);
    // Same commands with a shared hash tag are fine.
    expect(canonical(await gw.send(['MSETNX', '{t}a', '1', '{t}b', '2']))).toBe(':1');
    expect(canonical(await gw.send(['RENAME', '{t}a', '{t}c']))).toBe('+OK');
    expect(canonical(await gw.send(['DEL', '{t}b', '{t}c']))).toBe(':2');
  });

  it('answers PING, ECHO, TIME and SELECT itself or from any node', async () => {
    expect(await both('PING')).toBe('+PONG');
    expect(await both('PING', 'hi there')).toBe('$hi there');
    expect(await both('ECHO', 'echo me')).toBe('$echo me');
    const [seconds, micros] = items(await gw.call('TIME')).map((v) => Number(text(v)));
    expect(Math.abs(seconds! - Date.now() / 1000)).toBeLessThan(5);
    expect(micros).toBeLessThan(1_000_000);
    expect(await both('SELECT', '0')).toBe('+OK');
    const select1 = canonical(await gw.send(['SELECT', '1']));
    expect(String(select1)).toMatch(/^-ERR /);
    expect(await both('SELECT', 'abc')).toMatch(/^-ERR value is not an integer/);
    expect(canonical(await gw.send(['GET', keys[5]!]))).toBe(`$${value(keys[5]!)}`);
  });

  it('keeps CLIENT SETNAME / GETNAME / ID / INFO / SETINFO / LIST per gateway client', async () => {
    const other = await gateway().client();
    try {
      expect(canonical(await gw.send(['CLIENT', 'GETNAME']))).toBe('nil$');
      expect(await both('CLIENT', 'SETNAME', 'slot-test')).toBe('+OK');
      expect(await both('CLIENT', 'GETNAME')).toBe('$slot-test');
      await both('CLIENT', 'SETNAME', 'bad name');
      // CLIENT SETINFO exists from Redis 7.2; with an older backend both answer with its error.
      const setinfo = await both('CLIENT', 'SETINFO', 'lib-name', 'slotway-test');
      await both('CLIENT', 'SETINFO', 'lib-ver', '1.2.3');
      await both('CLIENT', 'SETINFO', 'no-such-attr', 'x');
      await other.call('CLIENT', 'SETNAME', 'other-client');
      const id = int(await gw.call('CLIENT', 'ID'));
      const otherId = int(await other.call('CLIENT', 'ID'));
      expect(otherId).not.toBe(id);
      const info = text(await gw.call('CLIENT', 'INFO'));
      expect(info).toMatch(new RegExp(`^id=${id} .* name=slot-test .*\\n$`));
      if (setinfo === '+OK') expect(info).toContain(' lib-name=slotway-test lib-ver=1.2.3');
      const list = text(await gw.call('CLIENT', 'LIST'));
      const lines = list.split('\n').filter(Boolean);
      expect(lines.some((l) => l.startsWith(`id=${id} `) && l.includes(' name=slot-test '))).toBe(true);
      expect(lines.some((l) => l.startsWith(`id=${otherId} `) && l.includes(' name=other-client '))).toBe(
        true,
      );
      expect(text(await other.call('CLIENT', 'GETNAME'))).toBe('other-client');
      const filtered = text(await gw.call('CLIENT', 'LIST', 'ID', otherId, 999_999))
        .split('\n')
        .filter(Boolean);
      expect(filtered).toHaveLength(1);
      expect(filtered[0]).toMatch(new RegExp(`^id=${otherId} .* name=other-client `));
      const normal = text(await gw.call('CLIENT', 'LIST', 'TYPE', 'normal'))
        .split('\n')
        .filter(Boolean);
      expect(normal.length).toBeGreaterThanOrEqual(2);
    } finally {
      other.close();
    }
  });

  it('routes SORT ... STORE and MIGRATE ... KEYS by the keys COMMAND GETKEYS names', async () => {
    const router = gateway().gateway.router;
    const table = gateway().gateway.commands;
    const run = (...line: string[]): Promise<Canon> =>
      new Promise((resolve) => {
        const args = line.map((a) => Buffer.from(a));
        const sink = {
          id: 0,
          protocol: 2 as const,
          complete: (_entry: QueuedReply, reply: Buffer) => resolve(canonical(decodeFrame(reply))),
        };
        const entry = table.resolve(args)!;
        expect(entry.spec.needsGetKeys).toBe(true);
        new GetKeysRequest(sink, router, entry, args, encodeCommand(args), gateway().gateway.anyPrimary());
      });
    await gw.call('RPUSH', '{s}src', '3', '1', '2');
    // Lists in two different slots (hash-tagged with the keys of slots 3 and 9000).
    const list = `{${keys[3]}}:list`;
    const far = `{${keys[9000]}}:dst`;
    await gw.call('RPUSH', list, '9', '8');
    expect(await run('SORT', '{s}src', 'STORE', '{s}dst')).toBe(':3');
    expect(plain(await gw.call('LRANGE', '{s}dst', 0, -1))).toEqual(['1', '2', '3']);
    expect(await run('SORT', list, 'STORE', far)).toBe(CROSSSLOT);
    expect(await run('SORT', list, 'DESC')).toEqual(['$9', '$8']);
    expect(await run('SORT_RO', list)).toEqual(['$8', '$9']);
    // Bad arguments: GETKEYS cannot tell, so a node answers with Redis's own error.
    expect(await run('SORT', list, 'LIMIT', 'x')).toEqual(
      canonical(await direct.send(['SORT', 'k', 'LIMIT', 'x'])),
    );
    // MIGRATE's KEYS form: the empty key at index 3 is not a key; a, b decide the slot.
    const target = standalone().nodes[0]!;
    await gw.call('SET', '{m}a', 'migrated-a');
    const migrate = [
      'MIGRATE',
      target.host,
      String(target.port),
      '',
      '0',
      '5000',
      'COPY',
      'KEYS',
      '{m}a',
      '{m}b',
    ];
    expect(await run(...migrate)).toBe('+OK');
    expect(text(await direct.call('GET', '{m}a'))).toBe('migrated-a');
    // The same from a client: the session sees the KEYS form and asks GETKEYS, so the command goes
    // straight to the owner of {m} (slot 15627), not to that of the empty key (slot 0) to be redirected.
    const moved = gateway().gateway.stats.moved;
    await gw.call('SET', '{m}a', 'migrated-again');
    expect(canonical(await gw.send(migrate.map((a) => (a === 'COPY' ? 'REPLACE' : a))))).toBe('+OK');
    expect(gateway().gateway.stats.moved).toBe(moved);
    expect(text(await direct.call('GET', '{m}a'))).toBe('migrated-again');
    expect(canonical(await gw.send(['GET', '{m}a']))).toBe('nil$');
    const spread = ['MIGRATE', target.host, String(target.port), '', '0', '5000', 'KEYS', keys[1]!, keys[2]!];
    expect(canonical(await gw.send(spread))).toBe(CROSSSLOT);
    expect(
      await run('MIGRATE', target.host, String(target.port), '', '0', '5000', 'KEYS', keys[1]!, keys[2]!),
    ).toBe(CROSSSLOT);
    // No keys at all: any node runs it and answers as Redis does.
    const noKeys = ['MIGRATE', target.host, String(target.port), '', '0', '5000', 'KEYS'];
    expect(await run(...noKeys)).toEqual(canonical(await direct.send(noKeys)));
    await gw.call('DEL', '{s}src', '{s}dst', list, '{m}a');
    await direct.call('DEL', '{m}a');
  });

  it('FLUSHDB and FLUSHALL empty every primary', async () => {
    expect(await both('FLUSHDB')).toBe('+OK');
    expect(await both('DBSIZE')).toBe(':0');
    for (const n of nodes) expect(int(await n.call('DBSIZE'))).toBe(0);
    expect(canonical(await gw.send(['RANDOMKEY']))).toBe('nil$');
    await fill();
    expect(await both('DBSIZE')).toBe(`:${SLOT_COUNT}`);
    expect(await both('FLUSHALL', 'ASYNC')).toBe('+OK');
    expect(await both('DBSIZE')).toBe(':0');
    expect(await scanAll(gw)).toEqual([]);
    for (const n of nodes) expect(int(await n.call('DBSIZE'))).toBe(0);
  });
});
