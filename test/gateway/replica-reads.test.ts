// readFrom through Slotway in front of a 3x1 cluster: with 'replica', read-only commands run on
// replicas (over connections that sent READONLY, visible in the replicas' INFO commandstats), writes
// always on primaries (no replica ever answered MOVED), and a blocking read (XREAD BLOCK) waits on a
// replica. With a replica killed: 'prefer-replica' reads its shard from the primary at once, while
// 'replica' answers CLUSTERDOWN for that shard and keeps reading the others from their replicas.

import { describe, expect, it } from 'vitest';
import type { AdminClient } from '../../src/backend/admin-client.js';
import type { LocalNode } from '../../src/ops/local-cluster.js';
import { encodeCommand } from '../../src/protocol/resp-encoder.js';
import { slotOf } from '../../src/topology/slot-hash.js';
import { type LocalCluster, useCluster } from '../support/cluster.js';
import { startTestGateway, useGateway } from '../support/gateway.js';
import { clientEntries, commandCalls, eventually, infoFields } from '../support/node-state.js';
import { RawConnection } from '../support/raw-socket.js';
import { type Plain, plain } from '../support/resp-plain.js';

const KEYS = Array.from({ length: 60 }, (_, i) => `rr:${i}`);

async function send(c: RawConnection, ...commands: Array<Array<string | number>>): Promise<Plain[]> {
  c.write(Buffer.concat(commands.map((args) => encodeCommand(args))));
  return (await c.read(commands.length)).map(plain);
}

async function withAdmins<T>(
  cluster: LocalCluster,
  body: (nodes: Array<[LocalNode, AdminClient]>) => Promise<T>,
) {
  const admins = await Promise.all(cluster.nodes.map((n) => cluster.client(n.port)));
  try {
    return await body(cluster.nodes.map((n, i) => [n, admins[i]!]));
  } finally {
    for (const a of admins) a.close();
  }
}

/** Calls of `command` summed over the primaries and over the replicas. */
async function callsByRole(nodes: Array<[LocalNode, AdminClient]>, command: string) {
  const totals = { primary: 0, replica: 0 };
  for (const [node, admin] of nodes) totals[node.role] += await commandCalls(admin, command);
  return totals;
}

describe('reads from replicas (3x1 cluster)', () => {
  const cluster = useCluster({ primaries: 3, replicas: 1 });
  const gateway = useGateway(cluster, { backend: { readFrom: 'replica' } });

  it('sends GET and MGET to replicas and writes to primaries', async () => {
    const gw = gateway();
    const c = await RawConnection.connect(gw.port);
    try {
      await withAdmins(cluster(), async (nodes) => {
        const movedBefore = gw.gateway.stats.moved;
        const setsBefore = await callsByRole(nodes, 'set');
        expect(await send(c, ...KEYS.map((k, i) => ['SET', k, i]))).toEqual(KEYS.map(() => 'OK'));
        // Every write ran on a primary: their own SET count went up by exactly the writes sent
        // (replicas count the replicated ones too, so only primaries are checked).
        const setsAfter = await callsByRole(nodes, 'set');
        expect(setsAfter.primary - setsBefore.primary).toBe(KEYS.length);
        // Let the replicas catch up before reading from them.
        expect(await send(c, ['WAIT', 1, 2000])).toEqual([1]);

        const getsBefore = await callsByRole(nodes, 'get');
        const mgetsBefore = await callsByRole(nodes, 'mget');
        const values = await send(c, ...KEYS.map((k) => ['GET', k]));
        expect(values).toEqual(KEYS.map((_, i) => String(i)));
        expect(await send(c, ['MGET', ...KEYS])).toEqual([KEYS.map((_, i) => String(i))]);

        const getsAfter = await callsByRole(nodes, 'get');
        expect(getsAfter.replica - getsBefore.replica).toBe(KEYS.length);
        expect(getsAfter.primary - getsBefore.primary).toBe(0);
        const mgetsAfter = await callsByRole(nodes, 'mget');
        // MGET is split per slot.
        expect(mgetsAfter.replica - mgetsBefore.replica).toBe(new Set(KEYS.map((k) => slotOf(k))).size);
        expect(mgetsAfter.primary - mgetsBefore.primary).toBe(0);

        // No replica had to redirect anything, and every gateway connection to a replica is READONLY.
        expect(gw.gateway.stats.moved).toBe(movedBefore);
        for (const [node, admin] of nodes) {
          if (node.role !== 'replica') continue;
          expect((await infoFields(admin, 'errorstats')).get('errorstat_MOVED')).toBeUndefined();
          const fromGateway = (await clientEntries(admin)).filter((e) => !e.flags?.includes('M'));
          expect(fromGateway.length).toBeGreaterThan(0);
          for (const e of fromGateway) expect(e.flags).toContain('r');
        }
      });
    } finally {
      c.close();
    }
  });

  it('a blocking read waits on a replica and wakes up on a write to the primary', async () => {
    const gw = gateway();
    const reader = await RawConnection.connect(gw.port);
    const writer = await RawConnection.connect(gw.port);
    try {
      await withAdmins(cluster(), async (nodes) => {
        const before = await callsByRole(nodes, 'xread');
        reader.write(encodeCommand(['XREAD', 'BLOCK', 5000, 'STREAMS', 'rr:stream', '$']));
        await new Promise((r) => setTimeout(r, 200));
        expect((await send(writer, ['XADD', 'rr:stream', '5-1', 'f', 'v']))[0]).toBe('5-1');
        expect((await reader.read(1, 6000)).map(plain)).toEqual([[['rr:stream', [['5-1', ['f', 'v']]]]]]);
        const after = await callsByRole(nodes, 'xread');
        expect(after.replica - before.replica).toBe(1);
        expect(after.primary - before.primary).toBe(0);
      });
    } finally {
      reader.close();
      writer.close();
    }
  });

  it('with the default readFrom: primary, the same reads stay on primaries', async () => {
    const gw = await startTestGateway(cluster());
    const c = await RawConnection.connect(gw.port);
    try {
      await withAdmins(cluster(), async (nodes) => {
        const before = await callsByRole(nodes, 'get');
        await send(c, ...KEYS.map((k) => ['GET', k]));
        const after = await callsByRole(nodes, 'get');
        expect(after.primary - before.primary).toBe(KEYS.length);
        expect(after.replica - before.replica).toBe(0);
      });
    } finally {
      c.close();
      await gw.stop();
    }
  });

  // Last: it kills a replica.
  it('a replica killed: prefer-replica reads from its primary, replica answers CLUSTERDOWN for that shard', async () => {
    const preferReplica = await startTestGateway(cluster(), { backend: { readFrom: 'prefer-replica' } });
    // A short retry budget: the strict gateway's reads of the dead replica's shard fail fast.
    const replicaOnly = await startTestGateway(cluster(), {
      backend: { readFrom: 'replica', retryTimeoutMs: 300 },
    });
    const preferring = await RawConnection.connect(preferReplica.port);
    const strict = await RawConnection.connect(replicaOnly.port);
    try {
      await withAdmins(cluster(), async (nodes) => {
        const slotOwner = (key: string) =>
          nodes.find(
            ([n]) => n.role === 'primary' && n.slots.some(([a, b]) => slotOf(key) >= a && slotOf(key) <= b),
          )!;
        const [primary, primaryAdmin] = slotOwner(KEYS[0]!);
        const [replica, replicaAdmin] = nodes.find(([n]) => n.primaryId === primary.id)!;
        const elsewhere = KEYS.find((k) => slotOwner(k)[0] !== primary)!;
        const [otherPrimary] = slotOwner(elsewhere);
        const [, otherReplicaAdmin] = nodes.find(([n]) => n.primaryId === otherPrimary.id)!;
        const get = async (c: RawConnection, key: string) => (await send(c, ['GET', key]))[0];
        await send(preferring, ...KEYS.map((k, i) => ['SET', k, i]));
        expect(await send(preferring, ['WAIT', 1, 2000])).toEqual([1]);

        // While the replica is up, prefer-replica reads from it.
        let before = await commandCalls(replicaAdmin, 'get');
        expect(await get(preferring, KEYS[0]!)).toBe('0');
        expect(await commandCalls(replicaAdmin, 'get')).toBe(before + 1);

        await cluster().killNode(replica.port, 'SIGKILL');
        // At once, before the cluster has even marked the replica failed: the primary answers.
        // Each read retries once at most (on the primary), not until the cluster drops the replica.
        before = await commandCalls(primaryAdmin, 'get');
        const retriesBefore = preferReplica.gateway.stats.retries;
        expect(await get(preferring, KEYS[0]!)).toBe('0');
        expect(await get(preferring, KEYS[0]!)).toBe('0');
        expect(await commandCalls(primaryAdmin, 'get')).toBe(before + 2);
        expect(preferReplica.gateway.stats.retries - retriesBefore).toBeLessThanOrEqual(2);

        // Strict replica reads: that shard has no replica up, so no read of it runs on the primary.
        before = await commandCalls(primaryAdmin, 'get');
        const refused = await eventually(
          'the strict gateway to refuse reads of the replica-less shard',
          () => get(strict, KEYS[0]!),
          (reply) => typeof reply === 'string' && reply.startsWith('CLUSTERDOWN no replica'),
          15_000,
        );
        expect(refused).toBe(
          `CLUSTERDOWN no replica of slot ${slotOf(KEYS[0]!)} is up, and backend.readFrom is replica (prefer-replica would read from the primary)`,
        );
        expect(await commandCalls(primaryAdmin, 'get')).toBe(before);
        // Writes still go to the primary, and other shards still read from their replicas.
        expect(await send(strict, ['SET', KEYS[0]!, 'written'], ['WAIT', 0, 0])).toEqual(['OK', 0]);
        const otherBefore = await commandCalls(otherReplicaAdmin, 'get');
        expect(await get(strict, elsewhere)).toBe(String(KEYS.indexOf(elsewhere)));
        expect(await commandCalls(otherReplicaAdmin, 'get')).toBe(otherBefore + 1);
        // prefer-replica keeps reading that shard from the primary once the map has no replica.
        expect(await get(preferring, KEYS[0]!)).toBe('written');
      });
    } finally {
      preferring.close();
      strict.close();
      await preferReplica.stop();
      await replicaOnly.stop();
    }
  });
});
