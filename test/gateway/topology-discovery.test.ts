// Topology discovery against a live 3x1 cluster: CLUSTER SHARDS and CLUSTER SLOTS read from every
// node describe the same slot map, and a gateway whose backend user may not run CLUSTER SHARDS (ACL
// rules written before Redis 7) falls back to CLUSTER SLOTS and routes over the whole cluster.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replyText } from '../../src/backend/admin-client.js';
import {
  type DiscoveredShard,
  parseClusterShards,
  parseClusterSlots,
} from '../../src/topology/cluster-discovery.js';
import { SLOT_COUNT } from '../../src/topology/slot-hash.js';
import { useCluster } from '../support/cluster.js';
import { startTestGateway } from '../support/gateway.js';
import { plain } from '../support/resp-plain.js';

const USER = 'slotway-no-shards';
const PASSWORD = 'discovery-secret';

/** Shards as comparable text: ranges, primary and replicas, sorted. */
function summary(shards: DiscoveredShard[]): string[] {
  return shards
    .map((s) => {
      const ranges = s.ranges
        .slice()
        .sort((a, b) => a[0] - b[0])
        .map(([a, b]) => `${a}-${b}`);
      const replicas = s.shard.replicas.map((r) => r.key).sort();
      return `${ranges.join(',')} ${s.shard.primary.key} [${replicas.join(',')}]`;
    })
    .sort();
}

describe('topology discovery on a live cluster', () => {
  const cluster = useCluster({ primaries: 3, replicas: 1 });

  beforeAll(async () => {
    for (const node of cluster().nodes) {
      const admin = await cluster().client(node.port);
      try {
        await admin.call(
          'ACL',
          'SETUSER',
          USER,
          'on',
          `>${PASSWORD}`,
          '~*',
          '&*',
          '+@all',
          '-cluster|shards',
        );
      } finally {
        admin.close();
      }
    }
  });

  afterAll(async () => {
    for (const node of cluster().nodes) {
      const admin = await cluster().client(node.port);
      try {
        await admin.call('ACL', 'DELUSER', USER);
      } finally {
        admin.close();
      }
    }
  });

  it('reads the same map from CLUSTER SHARDS and CLUSTER SLOTS on every node', async () => {
    const primaries = cluster().nodes.filter((n) => n.role === 'primary');
    const expected = primaries
      .map((p) => {
        const ranges = p.slots.map(([a, b]) => `${a}-${b}`);
        const replicas = cluster()
          .nodes.filter((n) => n.primaryId === p.id)
          .map((n) => `${n.host}:${n.port}`);
        return `${ranges.join(',')} ${p.host}:${p.port} [${replicas.sort().join(',')}]`;
      })
      .sort();
    for (const node of cluster().nodes) {
      const admin = await cluster().client(node.port);
      try {
        const fromShards = parseClusterShards(await admin.call('CLUSTER', 'SHARDS'), node.host);
        const fromSlots = parseClusterSlots(await admin.call('CLUSTER', 'SLOTS'), node.host);
        expect(summary(fromShards), `CLUSTER SHARDS on ${node.port}`).toEqual(expected);
        expect(summary(fromSlots), `CLUSTER SLOTS on ${node.port}`).toEqual(expected);
        const covered = fromSlots.flatMap((s) => s.ranges).reduce((n, [a, b]) => n + b - a + 1, 0);
        expect(covered).toBe(SLOT_COUNT);
      } finally {
        admin.close();
      }
    }
  });

  it('falls back to CLUSTER SLOTS when the backend user may not run CLUSTER SHARDS', async () => {
    const seed = cluster().nodes[0]!;
    const asUser = await cluster().client(seed.port);
    try {
      await asUser.call('AUTH', USER, PASSWORD);
      expect(String(plain(await asUser.send(['CLUSTER', 'SHARDS'])))).toMatch(/^NOPERM /);
    } finally {
      asUser.close();
    }

    const restricted = await startTestGateway(cluster(), { backend: { username: USER, password: PASSWORD } });
    const usual = await startTestGateway(cluster());
    try {
      const map = restricted.gateway.topology.map;
      expect(map.source).toMatch(/\(CLUSTER SLOTS\)$/);
      expect(usual.gateway.topology.map.source).toMatch(/\(CLUSTER SHARDS\)$/);
      expect(map.coveredSlots()).toBe(SLOT_COUNT);
      expect(map.sameRouting(usual.gateway.topology.map)).toBe(true);
      expect(map.shards.map((s) => s.replicas.length)).toEqual([1, 1, 1]);

      // A refresh keeps using CLUSTER SLOTS, and the gateway routes over every primary.
      expect((await restricted.gateway.topology.refresh()).source).toMatch(/\(CLUSTER SLOTS\)$/);
      const c = await restricted.client();
      try {
        const keys = Array.from({ length: 30 }, (_, i) => `discovery:${i}`);
        expect(replyText(await c.call('MSET', ...keys.flatMap((k) => [k, `v-${k}`])))).toBe('OK');
        expect(plain(await c.call('MGET', ...keys))).toEqual(keys.map((k) => `v-${k}`));
        expect(plain(await c.call('DEL', ...keys))).toBe(keys.length);
      } finally {
        c.close();
      }
    } finally {
      await restricted.stop();
      await usual.stop();
    }
  });
});
