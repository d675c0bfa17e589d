// The retry policy of docs/resilience.md, against a real cluster: a command the server refused
// without executing it (CLUSTERDOWN) and a command that never left the gateway (connection refused)
// are retried, writes included, and applied exactly once when the cluster serves them again; retries
// back off exponentially with jitter and stop at the deadline (backend.retryTimeoutMs) with the last
// error. (A write that may have been applied is never re-sent: hung-node and failover suites.)

import { describe, expect, it } from 'vitest';
import { replyText } from '../../src/backend/admin-client.js';
import { useCluster } from '../support/cluster.js';
import { keyInRange, restartNodeRetrying } from '../support/cluster-state.js';
import { useGateway } from '../support/gateway.js';

const RETRY_DELAY_MS = 100;
const RETRY_TIMEOUT_MS = 3000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('retry policy', () => {
  // A long node timeout: a node that is down for a moment must not make the cluster fail.
  const cluster = useCluster({ primaries: 3, replicas: 0, nodeTimeoutMs: 60_000 });
  const gateway = useGateway(cluster, {
    backend: { retryDelayMs: RETRY_DELAY_MS, retryTimeoutMs: RETRY_TIMEOUT_MS, maxRetries: 100 },
  });
  // A restarted primary answers CLUSTERDOWN for its first 2 s (Redis's CLUSTER_WRITABLE_DELAY), so
  // a command sent while it was down needs a budget covering the outage, the restart and that delay.
  const patientGateway = useGateway(cluster, {
    backend: { retryDelayMs: RETRY_DELAY_MS, retryTimeoutMs: 15_000, maxRetries: 100 },
  });

  /** Runs CLUSTER <args> on the node at `port`. */
  async function clusterCommand(port: number, ...args: Array<string | number>): Promise<void> {
    const admin = await cluster().client(port);
    try {
      await admin.call('CLUSTER', ...args);
    } finally {
      admin.close();
    }
  }

  it('backs off exponentially with jitter and gives up at the deadline with the last error', async () => {
    const gw = gateway().gateway;
    const owner = cluster().nodes[0]!;
    const slot = owner.slots[0]![0];
    const key = keyInRange('retry:deadline:', slot, slot);
    await clusterCommand(owner.port, 'DELSLOTS', slot);
    const client = await gateway().client();
    try {
      const retriesBefore = gw.stats.retries;
      const started = Date.now();
      const reply = await client.send(['GET', key]);
      const elapsed = Date.now() - started;
      const retries = gw.stats.retries - retriesBefore;
      console.log('[retry-policy] deadline', JSON.stringify({ reply, elapsedMs: elapsed, retries }));
      expect(reply).toMatchObject({ type: 'error' });
      expect((reply as { value: string }).value).toMatch(/^CLUSTERDOWN /);
      // Waits of 100, 200, 400, 800 ms, then 1 s each, times 0.5–1: 5 to 9 fit in 3 s. A fixed
      // 100 ms wait would have made 20 or more; waiting past the deadline, more time.
      expect(retries).toBeGreaterThanOrEqual(4);
      expect(retries).toBeLessThanOrEqual(10);
      expect(elapsed).toBeGreaterThanOrEqual(1000);
      expect(elapsed).toBeLessThan(RETRY_TIMEOUT_MS + 1000);
    } finally {
      client.close();
      await clusterCommand(owner.port, 'ADDSLOTS', slot);
    }
  });

  it('retries a write the server refused with CLUSTERDOWN, and applies it once when served again', async () => {
    const gw = gateway().gateway;
    const owner = cluster().nodes[1]!;
    const slot = owner.slots[0]![0];
    const key = keyInRange('retry:refused:', slot, slot);
    await clusterCommand(owner.port, 'DELSLOTS', slot);
    const client = await gateway().client();
    try {
      const retriesBefore = gw.stats.retries;
      const incr = client.send(['INCR', key]);
      await sleep(800);
      await clusterCommand(owner.port, 'ADDSLOTS', slot);
      expect(await incr).toEqual({ type: 'integer', value: 1 });
      expect(gw.stats.retries - retriesBefore).toBeGreaterThan(0);
      expect(replyText(await client.call('GET', key))).toBe('1');
    } finally {
      client.close();
    }
  });

  it('retries a write whose node refused the connection (never sent), and applies it once', {
    timeout: 60_000,
  }, async () => {
    const gw = patientGateway().gateway;
    const node = cluster().nodes[2]!;
    const key = keyInRange('retry:down:', node.slots[0]![0], node.slots[0]![1]);
    const client = await patientGateway().client();
    try {
      expect(replyText(await client.call('PING'))).toBe('PONG');
      await cluster().killNode(node.port, 'SIGKILL');
      const retriesBefore = gw.stats.retries;
      const incr = client.send(['INCR', key]);
      await sleep(500);
      await restartNodeRetrying(cluster(), node.port);
      const reply = await incr;
      console.log(
        '[retry-policy] node down',
        JSON.stringify({ reply, retries: gw.stats.retries - retriesBefore }),
      );
      // The node lost its data in the restart (no persistence): 1 means the INCR ran exactly once.
      expect(reply).toEqual({ type: 'integer', value: 1 });
      expect(gw.stats.retries - retriesBefore).toBeGreaterThan(0);
    } finally {
      client.close();
    }
  });
});
