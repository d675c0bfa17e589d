// Backend multiplexing: a thousand concurrent clients share a small fixed number of connections per
// node (counted with CLIENT LIST on the nodes themselves), and one client's pipeline of a thousand
// commands in one write comes back complete and in order.

import { describe, expect, it } from 'vitest';
import type { AdminClient } from '../../src/backend/admin-client.js';
import { replyText } from '../../src/backend/admin-client.js';
import { encodeCommand } from '../../src/protocol/resp-encoder.js';
import { slotOf } from '../../src/topology/slot-hash.js';
import { useCluster } from '../support/cluster.js';
import { useGateway } from '../support/gateway.js';
import { RawConnection } from '../support/raw-socket.js';
import { plain } from '../support/resp-plain.js';

const CONNECTIONS_PER_NODE = 2;
const CLIENTS = 1000;
/** Clients connected at once while opening, so the listen backlog never overflows. */
const CONNECT_BATCH = 100;

function pipeline(commands: Array<Array<string | number>>): Buffer {
  return Buffer.concat(commands.map((c) => encodeCommand(c)));
}

/** CLIENT LIST lines of one node, without the connection asking. */
async function otherClients(admin: AdminClient): Promise<string[]> {
  const self = await admin.call('CLIENT', 'ID');
  const selfId = self.type === 'integer' ? String(self.value) : '';
  return replyText(await admin.call('CLIENT', 'LIST'))
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith(`id=${selfId} `));
}

describe('backend multiplexing', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  // No periodic topology refresh: its short-lived discovery connections would blur the count.
  const gateway = useGateway(cluster, {
    backend: { connectionsPerNode: CONNECTIONS_PER_NODE, topologyRefreshMs: 3_600_000 },
  });

  it(`${CLIENTS} concurrent clients use at most ${CONNECTIONS_PER_NODE} connections per node`, async () => {
    const gw = gateway();
    const clients: RawConnection[] = [];
    try {
      for (let i = 0; i < CLIENTS; i += CONNECT_BATCH) {
        const batch = Array.from({ length: Math.min(CONNECT_BATCH, CLIENTS - i) }, () =>
          RawConnection.connect(gw.port),
        );
        clients.push(...(await Promise.all(batch)));
      }

      // Every client works at the same time; each round is one pipelined write per client.
      await Promise.all(
        clients.map(async (c, i) => {
          c.write(
            pipeline([
              ['SET', `mx:${i}`, `v${i}`],
              ['INCR', `mx:n:${i}`],
              ['HSET', `mx:h:${i}`, 'f', i],
              ['PING'],
            ]),
          );
          expect((await c.read(4)).map(plain)).toEqual(['OK', 1, 1, 'PONG']);
          c.write(
            pipeline([
              ['GET', `mx:${i}`],
              ['INCR', `mx:n:${i}`],
              ['HGET', `mx:h:${i}`, 'f'],
              ['EXISTS', `mx:${i}`, `mx:n:${i}`, `mx:h:${i}`],
            ]),
          );
          expect((await c.read(4)).map(plain)).toEqual([`v${i}`, 2, `${i}`, 3]);
        }),
      );

      // Every client was accepted and is still connected; the gateway's own view of the backend: a
      // fixed number of shared connections per node.
      expect(gw.gateway.stats.clientsConnected).toBe(CLIENTS);
      const counts = gw.gateway.pool.connectionCounts();
      expect(counts.size).toBe(3);
      for (const n of counts.values()) expect(n).toBeLessThanOrEqual(CONNECTIONS_PER_NODE);

      // The nodes' view, with every client still connected: CLIENT LIST on each primary.
      const seen: Record<string, number> = {};
      for (const node of cluster().nodes) {
        const admin = await cluster().client(node.port);
        try {
          const lines = await otherClients(admin);
          seen[`${node.host}:${node.port}`] = lines.length;
          // Only the gateway's shared connections are there (plus, at most, one discovery connection).
          expect(lines.length).toBeGreaterThanOrEqual(1);
          expect(lines.length).toBeLessThanOrEqual(CONNECTIONS_PER_NODE + 1);
        } finally {
          admin.close();
        }
      }
      const total = Object.values(seen).reduce((a, b) => a + b, 0);
      expect(total).toBeLessThan(CLIENTS / 100);
    } finally {
      for (const c of clients) c.close();
    }
  });

  it('answers 1000 pipelined commands sent in one write, in order, across all nodes', async () => {
    const gw = gateway();
    const setup = await gw.client();
    const n = 1000;
    try {
      const args: string[] = [];
      for (let i = 0; i < n; i++) args.push(`pl:${i}`, `value-${i}`);
      expect(replyText(await setup.call('MSET', ...args))).toBe('OK');
    } finally {
      setup.close();
    }
    // The keys really are spread over every node, so replies arrive from nodes out of order.
    const owners = new Set(
      Array.from({ length: n }, (_, i) => gw.gateway.topology.map.primaryOf(slotOf(`pl:${i}`))?.key),
    );
    expect(owners.size).toBe(3);

    const c = await RawConnection.connect(gw.port);
    try {
      const commands: Array<Array<string | number>> = [];
      const expected: unknown[] = [];
      for (let i = 0; i < n; i++) {
        switch (i % 5) {
          case 0:
          case 1:
            commands.push(['GET', `pl:${i}`]);
            expected.push(`value-${i}`);
            break;
          case 2:
            commands.push(['ECHO', `echo-${i}`]);
            expected.push(`echo-${i}`);
            break;
          case 3:
            commands.push(['MGET', `pl:${i}`, `pl:${i - 3}`, 'pl:missing']);
            expected.push([`value-${i}`, `value-${i - 3}`, null]);
            break;
          default:
            commands.push(['STRLEN', `pl:${i}`]);
            expected.push(`value-${i}`.length);
        }
      }
      c.write(pipeline(commands));
      const replies = await c.read(n, 20_000);
      expect(replies.map(plain)).toEqual(expected);
    } finally {
      c.close();
    }
  });

  it("keeps one client's pipelined write and read of the same key in order", async () => {
    // A client may pipeline SET k then GET k without waiting: Redis runs them in order, so the
    // gateway must not send them to the node over two different shared connections.
    const c = await RawConnection.connect(gateway().port);
    try {
      const rounds = 300;
      const commands: Array<Array<string | number>> = [];
      for (let i = 0; i < rounds; i++) {
        commands.push(['SET', 'order:k', i], ['GET', 'order:k'], ['INCR', 'order:n'], ['GET', 'order:n']);
      }
      c.write(pipeline(commands));
      const replies = (await c.read(rounds * 4, 20_000)).map(plain);
      const stale: number[] = [];
      for (let i = 0; i < rounds; i++) {
        if (replies[4 * i + 1] !== `${i}` || replies[4 * i + 3] !== `${i + 1}`) stale.push(i);
      }
      expect({ stale: stale.length, first: stale.slice(0, 5) }).toEqual({ stale: 0, first: [] });
    } finally {
      c.close();
    }
  });
});
