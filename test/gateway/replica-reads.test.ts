// readFrom: 'replica' through Slotway in front of a 3x1 cluster: read-only commands run on replicas
// (over connections that sent READONLY, visible in the replicas' INFO commandstats), writes always on
// primaries (no replica ever answered MOVED), and a blocking read (XREAD BLOCK) waits on a replica.

import { describe, expect, it } from 'vitest';
import type { AdminClient } from '../../src/backend/admin-client.js';
import type { LocalNode } from '../../src/ops/local-cluster.js';
import { encodeCommand } from '../../src/protocol/resp-encoder.js';
import { slotOf } from '../../src/topology/slot-hash.js';
import { type LocalCluster, useCluster } from '../support/cluster.js';
import { startTestGateway, useGateway } from '../support/gateway.js';
import { clientEntries, commandCalls, infoFields } from '../support/node-state.js';
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
});
