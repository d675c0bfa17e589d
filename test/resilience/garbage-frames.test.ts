// At least 50,000 malformed or random frames from many connections against a running gateway, while
// well-behaved clients keep working: they must see zero errors, the gateway must stay up and keep
// accepting, and its memory must stay bounded. The frames come from a seeded generator, so a failing
// run can be replayed.

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { AdminClient } from '../../src/backend/admin-client.js';
import { encodeCommand } from '../../src/protocol/resp-encoder.js';
import { useCluster } from '../support/cluster.js';
import { useGateway } from '../support/gateway.js';
import { MemorySampler, mib } from '../support/memory-sampler.js';

const TOTAL_FRAMES = 50_000;
const LANES = 32;
const MAX_FRAMES_PER_CONNECTION = 40;
/** How long a connection that the gateway keeps open is given before the sender drops it. */
const LINGER_MS = 250;
const RSS_BOUND = 200 * 1024 * 1024;
const SEED = 20_240_611;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mulberry32: small, seedable, good enough to pick garbage. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type FrameKind = 'random-bytes' | 'malformed' | 'unknown-command' | 'random-args' | 'inline-garbage';

class Garbage {
  readonly counts: Record<FrameKind, number> = {
    'random-bytes': 0,
    malformed: 0,
    'unknown-command': 0,
    'random-args': 0,
    'inline-garbage': 0,
  };
  constructor(private readonly random: () => number) {}

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }

  private bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  /** Letters only, always starting with q: no real command starts with q except QUIT. */
  private word(): string {
    let w = 'q';
    for (let i = this.int(9); i >= 0; i--) w += String.fromCharCode(97 + this.int(26));
    return w;
  }

  private junkKey(): Buffer {
    return Buffer.concat([Buffer.from('junk:'), this.bytes(1 + this.int(12))]);
  }

  frame(): Buffer {
    const pick = this.random();
    if (pick < 0.2) {
      this.counts['random-bytes']++;
      return this.bytes(1 + this.int(64));
    }
    if (pick < 0.45) {
      this.counts.malformed++;
      return this.malformed();
    }
    if (pick < 0.65) {
      this.counts['unknown-command']++;
      const args: Array<string | Buffer> = [this.word()];
      for (let i = this.int(4); i > 0; i--) args.push(this.bytes(this.int(20)));
      return encodeCommand(args);
    }
    if (pick < 0.85) {
      this.counts['random-args']++;
      // Real, harmless commands with random arity and binary arguments, on junk keys only.
      const names = ['GET', 'SET', 'EXISTS', 'HGET', 'HSET', 'INCR', 'LPUSH', 'MGET', 'STRLEN', 'TTL'];
      const args: Array<string | Buffer> = [names[this.int(names.length)]!];
      for (let i = this.int(5); i > 0; i--) args.push(this.junkKey());
      return encodeCommand(args);
    }
    this.counts['inline-garbage']++;
    let line = this.word();
    for (let i = this.int(4); i > 0; i--) line += ` ${'"\'\\x '[this.int(5)]}${this.word()}`;
    return Buffer.from(`${line}\r\n`);
  }

  private malformed(): Buffer {
    const templates: Array<() => string | Buffer> = [
      () => `*${this.int(5) + 1}\r\n$x\r\n`,
      () => '*2\r\n$3\r\nGET\r\n:1\r\n',
      () => `*1\r\n$-${this.int(9) + 2}\r\n`,
      () => `*1\r\n$${600_000_000 + this.int(1000)}\r\n`,
      () => `*${'9'.repeat(12)}\r\n`,
      () => `*-${this.int(9)}\r\n`,
      () => '*1\r\n*1\r\n$4\r\nPING\r\n',
      () => '*1\r\n'.repeat(2 + this.int(300)),
      () => `*3\r\n$1\r\nA\r\n`,
      () => '*1\r\n$3\r\nabcde\r\n',
      () => `$${this.int(100)}\r\n${'z'.repeat(this.int(100))}\r\n`,
      () => `+${this.word()}\r\n`,
      () => `:${this.int(1e9)}\r\n`,
      () => `*1\r\n$${'1'.repeat(70 * 1024)}`,
      () => 'A'.repeat(65 * 1024 + this.int(1024)),
      () => `*2\r\n$3\r\nGET\r\n$${this.int(20) + 5}\r\n${this.word()}`,
      () => Buffer.concat([Buffer.from('*1\r\n$8\r\n'), this.bytes(8), Buffer.from('\n\r')]),
      () => `%1\r\n+a\r\n+b\r\n`,
    ];
    const out = templates[this.int(templates.length)]!();
    return typeof out === 'string' ? Buffer.from(out) : out;
  }
}

/** One hostile connection: writes `frames` in random pieces, then waits a little and drops. */
function assault(port: number, frames: Buffer[], random: () => number): Promise<'closed' | 'dropped'> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let settled = false;
    const finish = (how: 'closed' | 'dropped') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(how);
    };
    const timer = setTimeout(() => finish('dropped'), 5_000);
    socket.on('data', () => {});
    socket.on('error', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('connect', async () => {
      const bytes = Buffer.concat(frames);
      for (let at = 0; at < bytes.length && !socket.destroyed; ) {
        const size = 1 + Math.floor(random() * Math.min(4096, bytes.length - at));
        socket.write(bytes.subarray(at, at + size));
        at += size;
        if (random() < 0.2) await new Promise((r) => setImmediate(r));
      }
      if (random() < 0.1) finish('dropped');
      else setTimeout(() => finish('dropped'), LINGER_MS);
    });
  });
}

describe('garbage from many connections', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  const gateway = useGateway(cluster);

  it(`survives ${TOTAL_FRAMES} malformed or random frames while good clients see no errors`, {
    timeout: 180_000,
  }, async () => {
    const gw = gateway().gateway;
    const memory = new MemorySampler();
    const protocolErrorsBefore = gw.stats.protocolErrors;

    // Good clients: one request/reply loop, one pipelining 50 commands at a time.
    const goodErrors: string[] = [];
    let goodOps = 0;
    let running = true;
    const simple = await AdminClient.connect({
      host: '127.0.0.1',
      port: gateway().port,
      commandTimeoutMs: 30_000,
    });
    const piped = await AdminClient.connect({
      host: '127.0.0.1',
      port: gateway().port,
      commandTimeoutMs: 30_000,
    });
    const simpleLoop = (async () => {
      for (let i = 0; running && i < 10_000_000; i++) {
        const key = `good:${i % 500}`;
        try {
          const set = await simple.send(['SET', key, `v${i}`]);
          const get = await simple.send(['GET', key]);
          const n = await simple.send(['INCR', 'good:counter']);
          if (set.type !== 'simple') goodErrors.push(`SET: ${JSON.stringify(set)}`);
          if (get.type !== 'bulk' || get.value.toString() !== `v${i}`)
            goodErrors.push(`GET: ${JSON.stringify(get)}`);
          if (n.type !== 'integer' || Number(n.value) !== i + 1)
            goodErrors.push(`INCR: ${JSON.stringify(n)}`);
          goodOps += 3;
        } catch (err) {
          goodErrors.push((err as Error).message);
        }
      }
    })();
    const pipedLoop = (async () => {
      for (let round = 0; running && round < 1_000_000; round++) {
        try {
          const keys = Array.from({ length: 25 }, (_, i) => `good:p:${(round * 25 + i) % 1000}`);
          const sets = keys.map((k) => piped.send(['SET', k, `${k}@${round}`]));
          const gets = keys.map((k) => piped.send(['GET', k]));
          const replies = await Promise.all([...sets, ...gets]);
          replies.slice(0, 25).forEach((r) => {
            if (r.type !== 'simple') goodErrors.push(`pipelined SET: ${JSON.stringify(r)}`);
          });
          replies.slice(25).forEach((r, i) => {
            if (r.type !== 'bulk' || r.value.toString() !== `${keys[i]}@${round}`)
              goodErrors.push(`pipelined GET ${keys[i]}: ${JSON.stringify(r)}`);
          });
          goodOps += 50;
        } catch (err) {
          goodErrors.push((err as Error).message);
        }
      }
    })();

    const random = prng(SEED);
    const garbage = new Garbage(random);
    let framesSent = 0;
    let connections = 0;
    let closedByGateway = 0;
    const startedAt = Date.now();
    const deadline = startedAt + 120_000;
    const lane = async () => {
      for (let i = 0; framesSent < TOTAL_FRAMES && Date.now() < deadline && i < 100_000; i++) {
        const count = 1 + Math.floor(random() * MAX_FRAMES_PER_CONNECTION);
        const frames = Array.from({ length: count }, () => garbage.frame());
        framesSent += count;
        connections++;
        if ((await assault(gateway().port, frames, random)) === 'closed') closedByGateway++;
      }
    };
    try {
      await Promise.all(Array.from({ length: LANES }, () => lane()));
    } finally {
      const assaultMs = Date.now() - startedAt;
      await sleep(200);
      running = false;
      await Promise.all([simpleLoop, pipedLoop]);
      simple.close();
      piped.close();
      const mem = memory.stop();
      // Still up, still accepting, still answering.
      const after = await gateway().client();
      let pingAfter: unknown;
      try {
        pingAfter = await after.call('PING');
      } finally {
        after.close();
      }
      console.log(
        '[garbage-frames] measured',
        JSON.stringify({
          framesSent,
          byKind: garbage.counts,
          connections,
          closedByGateway,
          assaultMs,
          protocolErrors: gw.stats.protocolErrors - protocolErrorsBefore,
          goodOperations: goodOps,
          goodErrors: goodErrors.length,
          firstGoodErrors: goodErrors.slice(0, 3),
          clientsLeftOpen: gw.sessions().length,
          pingAfter,
          rssBaselineMiB: mib(mem.baseline),
          rssPeakMiB: mib(mem.peak),
          rssGrowthMiB: mib(mem.peak - mem.baseline),
        }),
      );
      expect(framesSent).toBeGreaterThanOrEqual(TOTAL_FRAMES);
      expect(goodErrors.slice(0, 5)).toEqual([]);
      expect(goodOps).toBeGreaterThan(1000);
      expect(pingAfter).toEqual({ type: 'simple', value: 'PONG' });
      expect(gw.stats.protocolErrors - protocolErrorsBefore).toBeGreaterThan(1000);
      expect(mem.peak - mem.baseline).toBeLessThan(RSS_BOUND);
    }
  });
});
