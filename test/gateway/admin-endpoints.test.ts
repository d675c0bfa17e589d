// The admin listener and the topology life cycle it reports on: /metrics (per-command counts and
// latency histograms, redirects, topology refreshes, backend connections, errors by kind), /healthz,
// /readyz (503 once a slot has no owner), and topology refreshes on MOVED, on backend connection
// errors and periodically.

import { describe, expect, it } from 'vitest';
import { replyText } from '../../src/backend/admin-client.js';
import { SLOT_COUNT, slotOf } from '../../src/topology/slot-hash.js';
import { useCluster } from '../support/cluster.js';
import { keyInRange } from '../support/cluster-state.js';
import { startTestGateway, useGateway } from '../support/gateway.js';
import { metricTypes, parsePrometheus, samplesOf, sampleValue } from '../support/prometheus-text.js';
import { exchange } from '../support/raw-socket.js';

const CONNECTIONS_PER_NODE = 2;

async function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

/** Waits (bounded) until `predicate` holds. */
async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('admin endpoints', () => {
  const cluster = useCluster({ primaries: 2, replicas: 0 });
  // No periodic refresh here, so every refresh counted below has a cause the test made.
  const gateway = useGateway(cluster, {
    backend: { connectionsPerNode: CONNECTIONS_PER_NODE, topologyRefreshMs: 3_600_000 },
  });

  it('/healthz answers 200 and /readyz 200 with every slot covered; unknown paths 404', async () => {
    const health = await get(gateway().adminPort, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
    const ready = await get(gateway().adminPort, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ ready: true, slotsCovered: SLOT_COUNT, slotsTotal: SLOT_COUNT });
    expect((await get(gateway().adminPort, '/nope')).status).toBe(404);
  });

  it('/metrics exposes command counts, latency histograms, connections and errors by kind', async () => {
    const c = await gateway().client();
    try {
      for (let i = 0; i < 25; i++) await c.call('SET', `metrics:${i}`, i);
      for (let i = 0; i < 40; i++) await c.call('GET', `metrics:${i}`);
      // A same-slot-only command over two slots, and a malformed request on another connection.
      await expect(c.call('MSETNX', 'metrics:a', '1', 'metrics:b', '2')).rejects.toThrow(/CROSSSLOT/);
      const bad = await exchange(gateway().port, '*1\r\n$x\r\n');
      expect(bad.closed).toBe(true);
    } finally {
      c.close();
    }

    const res = await get(gateway().adminPort, '/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain/);
    const samples = parsePrometheus(res.body);

    expect(sampleValue(samples, 'slotway_commands_total', { command: 'get' })).toBeGreaterThanOrEqual(40);
    expect(sampleValue(samples, 'slotway_commands_total', { command: 'set' })).toBeGreaterThanOrEqual(25);
    const getCount = sampleValue(samples, 'slotway_command_duration_seconds_count', { command: 'get' });
    expect(getCount).toBeGreaterThanOrEqual(40);
    const buckets = samplesOf(samples, 'slotway_command_duration_seconds_bucket', { command: 'get' });
    expect(buckets.length).toBeGreaterThan(5);
    const inf = buckets.find((b) => b.labels.le === '+Inf');
    expect(inf?.value).toBe(getCount);
    // Cumulative buckets never decrease.
    const ordered = [...buckets].sort((a, b) => Number(a.labels.le) - Number(b.labels.le));
    for (let i = 1; i < ordered.length; i++)
      expect(ordered[i]!.value).toBeGreaterThanOrEqual(ordered[i - 1]!.value);
    expect(sampleValue(samples, 'slotway_command_duration_seconds_sum', { command: 'get' })).toBeGreaterThan(
      0,
    );

    for (const name of [
      'slotway_redirects_moved_total',
      'slotway_redirects_ask_total',
      'slotway_tryagain_total',
      'slotway_retries_total',
      'slotway_topology_refresh_failures_total',
    ]) {
      expect(sampleValue(samples, name)).toBeGreaterThanOrEqual(0);
    }
    expect(sampleValue(samples, 'slotway_topology_refreshes_total')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'slotway_slots_covered')).toBe(SLOT_COUNT);

    const connections = samplesOf(samples, 'slotway_backend_connections');
    expect(connections.map((s) => s.labels.node).sort()).toEqual(
      cluster()
        .nodes.map((n) => `${n.host}:${n.port}`)
        .sort(),
    );
    for (const s of connections) {
      expect(s.value).toBeGreaterThanOrEqual(1);
      expect(s.value).toBeLessThanOrEqual(CONNECTIONS_PER_NODE);
    }

    expect(sampleValue(samples, 'slotway_errors_total', { kind: 'crossslot' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'slotway_errors_total', { kind: 'protocol' })).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(samples, 'slotway_errors_total', { kind: 'backend_connection' }),
    ).toBeGreaterThanOrEqual(0);
    expect(sampleValue(samples, 'slotway_clients_accepted_total')).toBeGreaterThanOrEqual(2);

    // Every `_total` series of the gateway's own is declared a counter, so rate() treats resets right
    // (prom-client's process metrics keep their own naming).
    const types = metricTypes(res.body);
    const totals = [...types.keys()].filter(
      (name) =>
        name.startsWith('slotway_') && !name.startsWith('slotway_process_') && name.endsWith('_total'),
    );
    expect(totals.length).toBeGreaterThanOrEqual(10);
    for (const name of totals) expect(`${name} ${types.get(name)}`).toBe(`${name} counter`);
    expect(types.get('slotway_command_duration_seconds')).toBe('histogram');
    expect(types.get('slotway_backend_connections')).toBe('gauge');
  });

  it('refreshes the topology on MOVED, and counts the redirect', async () => {
    const gw = gateway().gateway;
    const [first, second] = cluster().nodes;
    if (!first || !second) throw new Error('expected two primaries');
    // Move an empty slot of the second primary to the first, behind the gateway's back.
    const [from, to] = second.slots[0]!;
    const key = keyInRange('moved:', from, to);
    const slot = slotOf(key);
    for (const node of [first, second]) {
      const admin = await cluster().client(node.port);
      try {
        await admin.call('CLUSTER', 'SETSLOT', slot, 'NODE', first.id);
      } finally {
        admin.close();
      }
    }
    const before = { moved: gw.stats.moved, refreshes: gw.topology.refreshCount };
    const c = await gateway().client();
    try {
      expect(replyText(await c.call('SET', key, 'here'))).toBe('OK');
      expect(replyText(await c.call('GET', key))).toBe('here');
    } finally {
      c.close();
    }
    expect(gw.stats.moved - before.moved).toBe(1);
    expect(gw.topology.map.primaryOf(slot)?.port).toBe(first.port);
    await until(() => gw.topology.refreshCount > before.refreshes);

    const samples = parsePrometheus((await get(gateway().adminPort, '/metrics')).body);
    expect(sampleValue(samples, 'slotway_redirects_moved_total')).toBe(gw.stats.moved);
    expect(sampleValue(samples, 'slotway_topology_refreshes_total')).toBe(gw.topology.refreshCount);
  });

  it('refreshes the topology when a backend connection fails, and recovers', async () => {
    const gw = gateway().gateway;
    const node = cluster().nodes[0]!;
    const key = keyInRange('conn:', node.slots[0]![0], node.slots[0]![1]);
    const c = await gateway().client();
    try {
      expect(replyText(await c.call('SET', key, 'v1'))).toBe('OK');
      const before = { failed: gw.pool.failed, refreshes: gw.topology.refreshCount };
      // The node drops every client connection (the gateway's shared ones included), not this one.
      const admin = await cluster().client(node.port);
      try {
        await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      } finally {
        admin.close();
      }
      await until(() => gw.pool.failed > before.failed);
      await until(() => gw.topology.refreshCount > before.refreshes);
      // New connections are opened on demand; the client never noticed.
      expect(replyText(await c.call('GET', key))).toBe('v1');
      expect(replyText(await c.call('SET', key, 'v2'))).toBe('OK');
    } finally {
      c.close();
    }
  });

  it('refreshes the topology periodically', async () => {
    const periodic = await startTestGateway(cluster(), { backend: { topologyRefreshMs: 150 } });
    try {
      const start = periodic.gateway.topology.refreshCount;
      await until(() => periodic.gateway.topology.refreshCount >= start + 3, 5000);
      const samples = parsePrometheus((await get(periodic.adminPort, '/metrics')).body);
      expect(sampleValue(samples, 'slotway_topology_refreshes_total')).toBeGreaterThanOrEqual(start + 3);
    } finally {
      await periodic.stop();
    }
  });

  it('/readyz answers 503 once a slot has no owner', async () => {
    const gw = gateway().gateway;
    const [first, second] = cluster().nodes;
    if (!first || !second) throw new Error('expected two primaries');
    const slot = second.slots[0]![1];
    // The owner forgets the slot first, so no node hears it claimed again.
    for (const node of [second, first]) {
      const admin = await cluster().client(node.port);
      try {
        await admin.call('CLUSTER', 'DELSLOTS', slot);
      } finally {
        admin.close();
      }
    }
    await gw.topology.refresh();
    expect(gw.topology.map.coveredSlots()).toBe(SLOT_COUNT - 1);

    const ready = await get(gateway().adminPort, '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toEqual({
      ready: false,
      slotsCovered: SLOT_COUNT - 1,
      slotsTotal: SLOT_COUNT,
    });
    expect((await get(gateway().adminPort, '/healthz')).status).toBe(200);
    const samples = parsePrometheus((await get(gateway().adminPort, '/metrics')).body);
    expect(sampleValue(samples, 'slotway_slots_covered')).toBe(SLOT_COUNT - 1);

    // Owned again: ready again after the next refresh.
    const admin = await cluster().client(second.port);
    try {
      await admin.call('CLUSTER', 'ADDSLOTS', slot);
    } finally {
      admin.close();
    }
    const deadline = Date.now() + 10_000;
    while (gw.topology.map.coveredSlots() !== SLOT_COUNT && Date.now() < deadline) {
      await gw.topology.refresh().catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await get(gateway().adminPort, '/readyz')).status).toBe(200);
  });
});
