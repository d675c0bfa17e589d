// Client pipelines through Slotway, seen on the wire: a client's pipeline over every node becomes one
// write per backend connection (and the nodes' own read counters agree), and frames pass through
// untouched: a request reaches the node as a slice of the very bytes the gateway read from the
// client, a reply reaches the client as a slice of the bytes read from the node. The sockets are the
// real ones; pass-through spies on `write` and `emit('data')` only record what they carry.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AdminClient, replyText } from '../../src/backend/admin-client.js';
import { encodeCommand } from '../../src/protocol/resp-encoder.js';
import { slotOf } from '../../src/topology/slot-hash.js';
import { useCluster } from '../support/cluster.js';
import { useGateway } from '../support/gateway.js';
import { RawConnection } from '../support/raw-socket.js';
import { plain } from '../support/resp-plain.js';
import { isSliceOf, recordSockets } from '../support/socket-recorder.js';

/**
 * Keys per node in the pipeline, two commands each: 60 commands in all, inside the 64 a new client may
 * have awaiting replies (a longer pipeline is taken in batches as replies make room).
 */
const KEYS_PER_NODE = 10;

async function readsProcessed(admin: AdminClient): Promise<number> {
  const info = replyText(await admin.call('INFO', 'stats'));
  return Number(/^total_reads_processed:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
}

describe('pipelines on the wire', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  // No periodic refresh or idle PINGs: every backend write in a test window is the test's own.
  const gateway = useGateway(cluster, { backend: { topologyRefreshMs: 3_600_000, healthCheckMs: 0 } });

  afterEach(() => vi.restoreAllMocks());

  const nodePorts = () => new Set(cluster().nodes.map((n) => n.port));
  /** Keys `prefix<n>` owned by the primary on `port`. */
  function keysOn(port: number, prefix: string, count: number): string[] {
    const map = gateway().gateway.topology.map;
    const keys: string[] = [];
    for (let n = 0; keys.length < count; n++) {
      if (map.primaryOf(slotOf(`${prefix}${n}`))?.port === port) keys.push(`${prefix}${n}`);
    }
    return keys;
  }

  it(`turns one client write of ${2 * KEYS_PER_NODE} commands per node into one write per node`, async () => {
    const ports = [...nodePorts()];
    const keys = ports.map((port) => keysOn(port, 'pipe:', KEYS_PER_NODE));
    const c = await RawConnection.connect(gateway().port);
    const admins = await Promise.all(ports.map((p) => cluster().client(p)));
    try {
      // Open this client's backend connections first, so connection set-up is not in the window.
      c.write(Buffer.concat(keys.map((k) => encodeCommand(['GET', k[0]!]))));
      await c.read(keys.length);
      const before = await Promise.all(admins.map(readsProcessed));

      const commands: Buffer[] = [];
      const expected: unknown[] = [];
      for (let i = 0; i < KEYS_PER_NODE; i++) {
        for (const nodeKeys of keys) {
          const key = nodeKeys[i]!;
          commands.push(encodeCommand(['SET', key, `v${i}`]), encodeCommand(['APPEND', key, '!']));
          expected.push('OK', `v${i}!`.length);
        }
      }
      const recording = recordSockets();
      try {
        c.write(Buffer.concat(commands));
        expect((await c.read(commands.length)).map(plain)).toEqual(expected);
      } finally {
        recording.stop();
      }

      const perNode = new Map<number, number>();
      for (const w of recording.writes) {
        if (nodePorts().has(w.socket.remotePort!)) {
          perNode.set(w.socket.remotePort!, (perNode.get(w.socket.remotePort!) ?? 0) + 1);
        }
      }
      expect(Object.fromEntries(perNode)).toEqual(Object.fromEntries(ports.map((p) => [p, 1])));

      // The nodes' view: one read event for the whole batch, plus the INFO asking.
      const after = await Promise.all(admins.map(readsProcessed));
      expect(after.map((n, i) => n - before[i]!)).toEqual(ports.map(() => 2));
    } finally {
      c.close();
      for (const a of admins) a.close();
    }
  });

  it('forwards request and reply frames as slices of the bytes received, not re-encoded copies', async () => {
    const ports = [...nodePorts()];
    const keys = ports.map((port) => keysOn(port, 'slice:', 1)[0]!);
    const setup = await gateway().client();
    try {
      for (const [i, k] of keys.entries()) await setup.call('SET', k, `value-${i}-${'x'.repeat(200 * i)}`);
    } finally {
      setup.close();
    }
    const gwPort = gateway().port;
    const c = await RawConnection.connect(gwPort);
    try {
      c.write(encodeCommand(['PING']));
      await c.read(1);
      for (const k of keys) {
        c.write(encodeCommand(['GET', k]));
        await c.read(1);
      }

      // Requests: one GET per node in one client write.
      let recording = recordSockets();
      const frames = keys.map((k) => encodeCommand(['GET', k]));
      try {
        c.write(Buffer.concat(frames));
        await c.read(frames.length);
      } finally {
        recording.stop();
      }
      const fromClient = recording.reads.filter((r) => r.socket.localPort === gwPort).map((r) => r.chunk);
      const toNodes = recording.writes.filter((w) => nodePorts().has(w.socket.remotePort!));
      expect(toNodes).toHaveLength(keys.length);
      for (const { chunk } of toNodes) {
        expect(frames.some((f) => f.equals(chunk))).toBe(true);
        expect(fromClient.some((whole) => isSliceOf(chunk, whole))).toBe(true);
      }

      // Replies: one GET, its reply written to the client straight from the node's bytes.
      for (const [i, k] of keys.entries()) {
        recording = recordSockets();
        let reply: Buffer | undefined;
        try {
          c.write(encodeCommand(['GET', k]));
          [reply] = await c.readRaw(1);
        } finally {
          recording.stop();
        }
        expect(reply!.toString()).toContain(`value-${i}-`);
        const fromNodes = recording.reads
          .filter((r) => nodePorts().has(r.socket.remotePort!))
          .map((r) => r.chunk);
        const toClient = recording.writes.filter((w) => w.socket.localPort === gwPort).map((w) => w.chunk);
        expect(toClient).toHaveLength(1);
        expect(toClient[0]!.equals(reply!)).toBe(true);
        expect(fromNodes.some((whole) => isSliceOf(toClient[0]!, whole))).toBe(true);
      }
    } finally {
      c.close();
    }
  });
});
