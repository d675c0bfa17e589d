// Redirects and retry signals from the cluster, made on purpose: ASK is followed with ASKING on the
// same backend connection as the command; TRYAGAIN (a multi-key command on a half-moved slot) and
// CLUSTERDOWN (a slot nobody serves) are retried with backoff until the cluster is whole again, so the
// client never sees them; and a command whose retry budget runs out gets the cluster's own error
// rather than waiting for ever.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AdminClient, replyText } from '../../src/backend/admin-client.js';
import { encodeCommand } from '../../src/protocol/resp-encoder.js';
import { slotOf } from '../../src/topology/slot-hash.js';
import { useCluster } from '../support/cluster.js';
import { pollUntil } from '../support/cluster-state.js';
import { startTestGateway, useGateway } from '../support/gateway.js';
import { plain } from '../support/resp-plain.js';
import { recordSockets } from '../support/socket-recorder.js';

/** The first name `prefix<n>` whose slot `owner` serves (used as a key or as a hash tag). */
function tagOwnedBy(owner: { slots: ReadonlyArray<readonly [number, number]> }, prefix: string): string {
  for (let n = 0; n < 1_000_000; n++) {
    const slot = slotOf(`${prefix}${n}`);
    if (owner.slots.some(([a, b]) => slot >= a && slot <= b)) return `${prefix}${n}`;
  }
  throw new Error('no tag found');
}

describe('redirects and retries', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  // No periodic refresh: the gateway learns of each change only from what the nodes answer.
  const gateway = useGateway(cluster, {
    backend: { topologyRefreshMs: 3_600_000, maxRetries: 100, retryDelayMs: 20, retryTimeoutMs: 30_000 },
  });
  let admins: Map<number, AdminClient>;

  beforeAll(async () => {
    admins = new Map();
    for (const node of cluster().nodes) admins.set(node.port, await cluster().client(node.port));
  });

  afterAll(() => {
    for (const admin of admins?.values() ?? []) admin.close();
  });

  const nodes = () => {
    const [source, target, third] = cluster().nodes;
    if (!source || !target || !third) throw new Error('expected three primaries');
    return { source, target, third };
  };

  /** SETSLOT IMPORTING on the target and MIGRATING on the source. */
  async function beginMove(slot: number): Promise<void> {
    const { source, target } = nodes();
    await admins.get(target.port)!.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id);
    await admins.get(source.port)!.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id);
  }

  async function migrate(...keys: string[]): Promise<void> {
    const { source, target } = nodes();
    await admins.get(source.port)!.call('MIGRATE', target.host, target.port, '', 0, 5000, 'KEYS', ...keys);
  }

  /** SETSLOT NODE target on the target, the source, then every other node. */
  async function finishMove(slot: number): Promise<void> {
    const { source, target } = nodes();
    await admins.get(target.port)!.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
    await admins.get(source.port)!.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
    for (const [port, admin] of admins) {
      if (port !== source.port && port !== target.port)
        await admin.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
    }
  }

  it('follows ASK with ASKING written on the same connection, right before the command', async () => {
    const { source, target } = nodes();
    const tag = tagOwnedBy(source, 'ask');
    const key = `{${tag}}:k`;
    const slot = slotOf(key);
    const stats = gateway().gateway.stats;
    const c = await gateway().client();
    try {
      expect(replyText(await c.call('SET', key, 'moving'))).toBe('OK');
      await beginMove(slot);
      await migrate(key);
      // The gateway's connections to the target exist before the window, so it holds only the ASK.
      await c.call('GET', tagOwnedBy(target, 'warm'));
      const before = { ask: stats.ask, moved: stats.moved };
      const recording = recordSockets();
      let reply: string;
      try {
        reply = replyText(await c.call('GET', key));
      } finally {
        recording.stop();
      }
      expect(reply).toBe('moving');
      expect({ ask: stats.ask - before.ask, moved: stats.moved - before.moved }).toEqual({
        ask: 1,
        moved: 0,
      });
      const toTarget = recording.writes.filter((w) => w.socket.remotePort === target.port);
      expect(toTarget).toHaveLength(1);
      expect(toTarget[0]!.chunk.toString('latin1')).toBe(
        Buffer.concat([encodeCommand(['ASKING']), encodeCommand(['GET', key])]).toString('latin1'),
      );
      await finishMove(slot);
      expect(replyText(await c.call('GET', key))).toBe('moving');
      expect(stats.moved - before.moved).toBe(1);
    } finally {
      c.close();
      vi.restoreAllMocks();
    }
  });

  it('retries TRYAGAIN until the slot has moved; the client never sees it', async () => {
    const { source } = nodes();
    const tag = tagOwnedBy(source, 'try');
    const [a, b] = [`{${tag}}:a`, `{${tag}}:b`];
    const slot = slotOf(a);
    const stats = gateway().gateway.stats;
    const c = await gateway().client();
    // A gateway with a short retry budget, to show that retrying ends.
    const impatient = await startTestGateway(cluster(), {
      backend: { topologyRefreshMs: 3_600_000, maxRetries: 100, retryDelayMs: 20, retryTimeoutMs: 500 },
    });
    const ic = await impatient.client();
    try {
      await c.call('MSET', a, 'value-a', b, 'value-b');
      await beginMove(slot);
      // Half moved: `a` is on the target, `b` still on the source, which answers TRYAGAIN to an MGET.
      await migrate(a);
      expect(plain(await admins.get(source.port)!.send(['MGET', a, b]))).toMatch(/^TRYAGAIN /);

      const retriesBefore = impatient.gateway.stats.retries;
      const givenUp = await ic.send(['MGET', a, b]);
      expect(plain(givenUp)).toMatch(/^TRYAGAIN /);
      expect(impatient.gateway.stats.retries - retriesBefore).toBeGreaterThanOrEqual(2);

      const before = { tryAgain: stats.tryAgain, retries: stats.retries };
      const pending = c.send(['MGET', a, b]);
      await pollUntil('the gateway to meet TRYAGAIN', async () => stats.tryAgain > before.tryAgain, 10_000);
      await migrate(b);
      await finishMove(slot);
      expect(plain(await pending)).toEqual(['value-a', 'value-b']);
      expect(stats.retries - before.retries).toBeGreaterThanOrEqual(1);
    } finally {
      ic.close();
      c.close();
      await impatient.stop();
    }
  });

  it('retries CLUSTERDOWN while a slot is unserved and answers once it is served again', async () => {
    const { third } = nodes();
    const key = `{${tagOwnedBy(third, 'down')}}:k`;
    const slot = slotOf(key);
    const stats = gateway().gateway.stats;
    const c = await gateway().client();
    const owner = admins.get(third.port)!;
    try {
      expect(replyText(await c.call('SET', key, 'kept'))).toBe('OK');
      // The owner forgets the slot first, so no node hears it claimed again; the key stays in its memory.
      await owner.call('CLUSTER', 'DELSLOTS', slot);
      for (const [port, admin] of admins)
        if (port !== third.port) await admin.call('CLUSTER', 'DELSLOTS', slot);
      expect(plain(await owner.send(['GET', key]))).toMatch(/^CLUSTERDOWN /);

      const before = { tryAgain: stats.tryAgain, retries: stats.retries };
      const pending = c.send(['GET', key]);
      await pollUntil(
        'the gateway to meet CLUSTERDOWN',
        async () => stats.tryAgain > before.tryAgain,
        10_000,
      );
      await owner.call('CLUSTER', 'ADDSLOTS', slot);
      expect(plain(await pending)).toBe('kept');
      expect(stats.retries - before.retries).toBeGreaterThanOrEqual(1);
      // Every slot has an owner again in the gateway's map.
      await pollUntil(
        'the slot map to cover every slot',
        async () => (await gateway().gateway.topology.refresh()).coveredSlots() === 16384,
        20_000,
        100,
      );
    } finally {
      c.close();
    }
  });
});
