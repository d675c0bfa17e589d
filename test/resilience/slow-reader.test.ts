// A client that keeps asking for a 1 MB value and never reads the replies: Slotway must cut it off at
// the output-buffer limit (listen.clientOutputBufferBytes), its own memory must stay bounded, and
// other clients must keep working meanwhile.

import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { AdminClient } from '../../src/backend/admin-client.js';
import { encodeCommand } from '../../src/protocol/resp-encoder.js';
import { slotOf } from '../../src/topology/slot-hash.js';
import { type LocalCluster, useCluster } from '../support/cluster.js';
import { commandCalls, pollUntil } from '../support/cluster-state.js';
import { useGateway } from '../support/gateway.js';
import { MemorySampler, mib } from '../support/memory-sampler.js';

const LIMIT = 8 * 1024 * 1024;
const VALUE_BYTES = 1024 * 1024;
/** GETs in the first write (replies it asks for: 512 MB), then per later burst, and the most bursts. */
const FIRST_BURST = 512;
const GETS_PER_BURST = 64;
const MAX_BURSTS = 24;
const RSS_BOUND = 200 * 1024 * 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A key that lives on another primary than `key`. */
function otherNodeKey(cluster: LocalCluster, key: string): string {
  const owner = (slot: number) => cluster.nodes.find((n) => n.slots.some(([a, b]) => slot >= a && slot <= b));
  const home = owner(slotOf(key));
  for (let i = 0; i < 1000; i++) if (owner(slotOf(`neighbour:${i}`)) !== home) return `neighbour:${i}`;
  throw new Error('no key on another node');
}

describe('a client that never reads', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  const gateway = useGateway(cluster, { listen: { clientOutputBufferBytes: LIMIT } });

  it('is cut off at the output-buffer limit while memory stays bounded', { timeout: 120_000 }, async () => {
    const setup = await gateway().client();
    try {
      await setup.call('SET', 'big', Buffer.alloc(VALUE_BYTES, 'x'));
      await setup.call('SET', 'small', 'ok');
    } finally {
      setup.close();
    }
    const gw = gateway().gateway;
    // How many GETs reached the node holding the value: the work the hostile client caused there.
    const bigNode = cluster().nodes.find((n) =>
      n.slots.some(([a, b]) => slotOf('big') >= a && slotOf('big') <= b),
    )!;
    const getCalls = () => commandCalls(cluster(), bigNode.port, 'get');
    const getsBefore = await getCalls();
    const memory = new MemorySampler();
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();

    // Well-behaved clients: SET/GET their own key, checking every reply, the whole time. One key
    // shares the node (and so the multiplexed backend connections) of the big value, one does not.
    const neighbours = ['{big}:other', otherNodeKey(cluster(), 'big')];
    const others = await Promise.all(
      neighbours.map(() =>
        AdminClient.connect({ host: '127.0.0.1', port: gateway().port, commandTimeoutMs: 60_000 }),
      ),
    );
    const otherErrors: string[] = [];
    const latencies: number[][] = neighbours.map(() => []);
    let running = true;
    const otherLoops = neighbours.map(async (key, n) => {
      const client = others[n]!;
      for (let i = 0; running && i < 1_000_000; i++) {
        const t = performance.now();
        try {
          await client.call('SET', key, `v${i}`);
          const got = await client.call('GET', key);
          if (got.type !== 'bulk' || got.value.toString() !== `v${i}`) otherErrors.push(JSON.stringify(got));
        } catch (err) {
          otherErrors.push((err as Error).message);
        }
        latencies[n]!.push(performance.now() - t);
        await sleep(2);
      }
    });

    // The hostile client: pauses its own socket, so the replies pile up in the gateway.
    const hog = net.connect(gateway().port, '127.0.0.1');
    hog.pause();
    let closedAt = 0;
    let hogError = '';
    hog.on('close', () => {
      closedAt = Date.now();
    });
    hog.on('error', (err) => {
      hogError = err.message;
    });
    await new Promise<void>((resolve, reject) => {
      hog.once('connect', resolve);
      hog.once('error', reject);
    });
    const startedAt = Date.now();
    const isHog = (session: { socket: net.Socket }) => session.socket.remotePort === hog.localPort;
    await pollUntil('the gateway to accept the client', async () => gw.sessions().some(isHog), 5000, 5);
    const connected = () => gw.sessions().some(isHog);
    const get = encodeCommand(['GET', 'big']);
    const burst = Buffer.concat(Array.from({ length: GETS_PER_BURST }, () => get));
    hog.write(Buffer.concat(Array.from({ length: FIRST_BURST }, () => get)));
    let sent = FIRST_BURST;
    for (let b = 0; b < MAX_BURSTS && connected(); b++) {
      hog.write(burst);
      sent += GETS_PER_BURST;
      await sleep(20);
    }
    // The gateway has dropped the session (the socket itself is paused, so it has not read the close).
    const cutAt = await pollUntil('the gateway to cut the client off', async () => !connected(), 60_000, 10);
    // Now read what the gateway had sent before it closed: bounded by the limit plus socket buffers.
    let received = 0;
    hog.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    hog.resume();
    await pollUntil('the client to see the close', async () => closedAt > 0, 10_000, 10);
    // Replies to GETs already forwarded keep arriving from the backend for a while: let them pass.
    await pollUntil('the backend replies to drain', async () => gw.pool.outstanding() === 0, 60_000, 50);
    const drainedAt = Date.now();
    await sleep(200);
    running = false;
    await Promise.all(otherLoops);
    for (const c of others) c.close();
    const mem = memory.stop();
    const getsForwarded = (await getCalls()) - getsBefore;
    loopDelay.disable();
    const summarize = (list: number[]) => {
      const sorted = [...list].sort((a, b) => a - b);
      const at = (p: number) =>
        Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! * 10) / 10;
      return { roundTrips: list.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
    };
    console.log(
      '[slow-reader] measured',
      JSON.stringify({
        limitMiB: mib(LIMIT),
        getsSent: sent,
        repliesRequestedMiB: mib(sent * VALUE_BYTES),
        getsForwardedToTheNode: getsForwarded,
        cutOffAfterMs: cutAt - startedAt,
        bytesTheClientReceivedMiB: mib(received),
        clientSawCloseAs: hogError || 'end',
        backendRepliesDrainedAfterMs: drainedAt - startedAt,
        rssBaselineMiB: mib(mem.baseline),
        rssPeakMiB: mib(mem.peak),
        rssGrowthMiB: mib(mem.peak - mem.baseline),
        eventLoopDelayMaxMs: Math.round(loopDelay.max / 1e6),
        otherClientErrors: otherErrors.length,
        otherClientSameNode: summarize(latencies[0]!),
        otherClientOtherNode: summarize(latencies[1]!),
      }),
    );
    expect(otherErrors).toEqual([]);
    // The client's window shrank to what fits in its output limit: the node did not have to produce
    // replies for every GET the client sent before it was cut off.
    expect(getsForwarded).toBeLessThan(256);
    expect(latencies[1]!.length).toBeGreaterThan(10);
    expect(mem.peak - mem.baseline).toBeLessThan(RSS_BOUND);
    // The client got at most the limit plus what the kernel's socket buffers held.
    expect(received).toBeLessThan(LIMIT + 32 * 1024 * 1024);
    hog.destroy();
  });
});
