// How the gateway notices changes and failures with no client traffic and no MOVED to tell it: the
// periodic topology refresh finds a slot that moved behind its back, health PINGs on idle backend
// connections find a node that hangs (and the command timeout closes them, which triggers a
// refresh), and every backend socket has TCP keepalive on.

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { replyText } from '../../src/backend/admin-client.js';
import { missingBinary } from '../support/binaries.js';
import { useCluster } from '../support/cluster.js';
import { commandCalls, keyInRange, pollUntil } from '../support/cluster-state.js';
import { useGateway } from '../support/gateway.js';

const HEALTH_CHECK_MS = 200;
const COMMAND_TIMEOUT_MS = 600;
const REFRESH_MS = 300;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('failure detection without MOVED', () => {
  // A long node timeout: a stopped node must not make the cluster itself fail meanwhile.
  const cluster = useCluster({ primaries: 3, replicas: 0, nodeTimeoutMs: 60_000 });
  const gateway = useGateway(cluster, {
    backend: {
      healthCheckMs: HEALTH_CHECK_MS,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      topologyRefreshMs: REFRESH_MS,
      retryTimeoutMs: 2000,
    },
  });

  it('the periodic refresh finds a slot moved behind its back, with no traffic and no MOVED', async () => {
    const gw = gateway().gateway;
    const [first, second] = cluster().nodes;
    if (!first || !second) throw new Error('expected two primaries');
    const slot = second.slots[0]![0];
    const movedBefore = gw.stats.moved;
    const movedAt = Date.now();
    for (const node of cluster().nodes) {
      const admin = await cluster().client(node.port);
      try {
        await admin.call('CLUSTER', 'SETSLOT', slot, 'NODE', first.id);
      } finally {
        admin.close();
      }
    }
    const seenAt = await pollUntil(
      'the gateway to see the slot on its new owner',
      async () => gw.topology.map.primaryOf(slot)?.port === first.port,
      10 * REFRESH_MS,
    );
    // Routed straight to the new owner: no redirect was needed, before or now.
    const client = await gateway().client();
    try {
      const key = keyInRange('detect:', slot, slot);
      expect(replyText(await client.call('SET', key, 'v'))).toBe('OK');
    } finally {
      client.close();
    }
    expect(gw.stats.moved).toBe(movedBefore);
    console.log(
      '[failure-detection] slot move seen',
      JSON.stringify({ refreshMs: REFRESH_MS, seenAfterMs: seenAt - movedAt }),
    );
  });

  it('health PINGs on idle connections find a hung node with no client traffic', {
    timeout: 60_000,
  }, async () => {
    const gw = gateway().gateway;
    const hung = cluster().nodes[2]!;
    const key = keyInRange('hang:', hung.slots[0]![0], hung.slots[0]![1]);
    const client = await gateway().client();
    try {
      // Opens the gateway's connection to the node; then nobody sends anything.
      expect(replyText(await client.call('SET', key, 'before'))).toBe('OK');
      const pingsBefore = await commandCalls(cluster(), hung.port, 'ping');
      await sleep(5 * HEALTH_CHECK_MS);
      const pingsIdle = (await commandCalls(cluster(), hung.port, 'ping')) - pingsBefore;
      expect(pingsIdle).toBeGreaterThan(0);

      const before = { failed: gw.pool.failed, refreshes: gw.topology.refreshCount };
      await cluster().killNode(hung.port, 'SIGSTOP');
      const stoppedAt = Date.now();
      let noticedAt = 0;
      try {
        noticedAt = await pollUntil(
          'the gateway to close its connection to the hung node',
          async () => gw.pool.failed > before.failed,
          10 * (HEALTH_CHECK_MS + COMMAND_TIMEOUT_MS),
          20,
        );
        expect(gw.topology.refreshCount).toBeGreaterThan(before.refreshes);
      } finally {
        await cluster().killNode(hung.port, 'SIGCONT');
      }
      // Back: a new connection is opened on demand and works.
      await pollUntil(
        'the node to answer through the gateway again',
        async () => replyText(await client.call('GET', key)) === 'before',
        5000,
        50,
      );
      console.log(
        '[failure-detection] hung node',
        JSON.stringify({
          healthCheckMs: HEALTH_CHECK_MS,
          commandTimeoutMs: COMMAND_TIMEOUT_MS,
          healthPingsWhileIdle: pingsIdle,
          hungNodeNoticedAfterMs: noticedAt - stoppedAt,
        }),
      );
    } finally {
      client.close();
    }
  });

  it.skipIf(missingBinary('ss'))('every backend connection has TCP keepalive on', async () => {
    const client = await gateway().client();
    try {
      // Opens connections to every primary.
      for (const node of cluster().nodes) {
        const key = keyInRange('ka:', node.slots[0]![0], node.slots[0]![1]);
        expect(replyText(await client.call('SET', key, 'v'))).toBe('OK');
      }
    } finally {
      client.close();
    }
    const ports = new Set(cluster().nodes.map((n) => n.port));
    // ss lists each socket with its timer; `keepalive` means SO_KEEPALIVE is set and the socket idle.
    const lines = execFileSync('ss', ['-tnopH', 'state', 'established'], {
      encoding: 'utf8',
      timeout: 10_000,
    })
      .split('\n')
      .filter((line) => line.includes(`pid=${process.pid},`))
      .filter((line) => {
        const peer = line.trim().split(/\s+/)[3] ?? '';
        return ports.has(Number(peer.split(':').pop()));
      });
    expect(lines.length).toBeGreaterThanOrEqual(cluster().nodes.length);
    expect(lines.filter((line) => !line.includes('timer:(keepalive'))).toEqual([]);
  });
});
