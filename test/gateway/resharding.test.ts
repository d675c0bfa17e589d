// Live resharding through Slotway: while clients keep reading and writing keys in the moving slots,
// the test migrates 200 slots from one primary to another with the cluster's own protocol
// (SETSLOT IMPORTING / MIGRATING, GETKEYSINSLOT + MIGRATE ... KEYS, SETSLOT NODE everywhere). The
// clients must see zero errors, every value must be intact afterwards, and the gateway must have
// followed MOVED and ASK redirects to get there.

import { describe, expect, it } from 'vitest';
import { type AdminClient, replyText } from '../../src/backend/admin-client.js';
import type { RespValue } from '../../src/protocol/resp-value.js';
import { slotOf } from '../../src/topology/slot-hash.js';
import { useCluster } from '../support/cluster.js';
import { useGateway } from '../support/gateway.js';
import { items, plain } from '../support/resp-plain.js';

const MOVED_SLOTS = 200;
/** Slots moved per round: IMPORTING/MIGRATING for the batch, keys moved, then SETSLOT NODE. */
const BATCH = 20;
const KEYS_PER_SLOT = 4;
const WORKERS = 8;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One hash tag per slot in [from, from + count), found by trying short names. */
function tagsForSlots(from: number, count: number): Map<number, string> {
  const tags = new Map<number, string>();
  for (let n = 0; tags.size < count && n < 5_000_000; n++) {
    const tag = `t${n}`;
    const slot = slotOf(tag);
    if (slot >= from && slot < from + count && !tags.has(slot)) tags.set(slot, tag);
  }
  if (tags.size < count) throw new Error('could not find a hash tag for every slot');
  return tags;
}

function keysOf(tag: string): string[] {
  return Array.from({ length: KEYS_PER_SLOT }, (_, i) => `{${tag}}:k${i}`);
}

function strings(v: RespValue): Array<string | null> {
  return items(v).map((e) => (e.type === 'bulk' ? e.value.toString('utf8') : null));
}

describe('live resharding through the gateway', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  const gateway = useGateway(cluster);

  it(`moves ${MOVED_SLOTS} slots under load with zero client-visible errors`, async () => {
    const [source, target, third] = cluster().nodes;
    if (!source || !target || !third) throw new Error('expected three primaries');
    const firstSlot = source.slots[0]![0];
    const tags = tagsForSlots(firstSlot, MOVED_SLOTS);
    const slots = [...tags.keys()].sort((a, b) => a - b);
    const stats = gateway().gateway.stats;
    const before = { moved: stats.moved, ask: stats.ask };

    // Expected state, kept by the (single-threaded) test: the last value written to each key, and
    // every counter's count of successful INCRs.
    const expected = new Map<string, string>();
    const counters = new Map<string, number>();
    const setup = await gateway().client();
    try {
      const args: string[] = [];
      for (const tag of tags.values()) {
        for (const key of keysOf(tag)) {
          expected.set(key, `initial:${key}`);
          args.push(key, `initial:${key}`);
        }
        counters.set(`{${tag}}:n`, 0);
      }
      expect(replyText(await setup.call('MSET', ...args))).toBe('OK');
    } finally {
      setup.close();
    }

    const errors: string[] = [];
    let operations = 0;
    let running = true;
    const deadline = Date.now() + 60_000;

    // Each worker owns every WORKERS-th slot, so the values it expects are its own writes.
    const worker = async (w: number) => {
      const client = await gateway().client();
      const mine = slots.filter((_, i) => i % WORKERS === w).map((s) => tags.get(s)!);
      try {
        for (let i = 0; running && i < 50_000 && Date.now() < deadline; i++) {
          const tag = mine[i % mine.length]!;
          const keys = keysOf(tag);
          const key = keys[i % KEYS_PER_SLOT]!;
          const value = `w${w}:${i}`;
          try {
            const set = await client.call('SET', key, value);
            expected.set(key, value);
            if (replyText(set) !== 'OK') errors.push(`SET ${key}: ${JSON.stringify(plain(set))}`);
            const got = replyText(await client.call('GET', key));
            if (got !== value) errors.push(`GET ${key}: ${got}, expected ${value}`);
            const counter = `{${tag}}:n`;
            const n = await client.call('INCR', counter);
            counters.set(counter, (counters.get(counter) ?? 0) + 1);
            if (n.type !== 'integer' || Number(n.value) !== counters.get(counter)) {
              errors.push(`INCR ${counter}: ${JSON.stringify(plain(n))}, expected ${counters.get(counter)}`);
            }
            // Same-slot MGET (TRYAGAIN while its slot is half moved) and a cross-slot one (split).
            const same = strings(await client.call('MGET', ...keys));
            const wanted = keys.map((k) => expected.get(k) ?? null);
            if (JSON.stringify(same) !== JSON.stringify(wanted)) errors.push(`MGET ${tag}: ${same}`);
            const other = mine[(i + 1) % mine.length]!;
            const cross = [key, keysOf(other)[0]!, `{${other}}:missing`];
            const got3 = strings(await client.call('MGET', ...cross));
            const wanted3 = cross.map((k) => expected.get(k) ?? null);
            if (JSON.stringify(got3) !== JSON.stringify(wanted3)) errors.push(`MGET ${cross}: ${got3}`);
            operations++;
          } catch (err) {
            errors.push(`${key}: ${(err as Error).message}`);
          }
        }
      } finally {
        client.close();
      }
    };

    const admins = new Map<number, AdminClient>();
    for (const node of cluster().nodes) admins.set(node.port, await cluster().client(node.port));
    const onSource = admins.get(source.port)!;
    const onTarget = admins.get(target.port)!;
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
    let migrated = 0;
    try {
      await sleep(200);
      for (let b = 0; b < slots.length; b += BATCH) {
        const batch = slots.slice(b, b + BATCH);
        for (const slot of batch) {
          await onTarget.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id);
          await onSource.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id);
        }
        for (const slot of batch) {
          // A couple of keys at a time, so clients meet slots that are half moved (ASK, TRYAGAIN).
          for (let guard = 0; guard < 100; guard++) {
            const keys = items(await onSource.call('CLUSTER', 'GETKEYSINSLOT', slot, 2)).map((k) =>
              k.type === 'bulk' ? k.value.toString('utf8') : '',
            );
            if (keys.length === 0) break;
            await onSource.call('MIGRATE', target.host, target.port, '', 0, 5000, 'KEYS', ...keys);
            migrated += keys.length;
            await sleep(1);
          }
        }
        // Every key of the batch now lives on the target while the source still owns the slots.
        await sleep(40);
        for (const slot of batch) {
          await onTarget.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
          await onSource.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
          for (const [port, admin] of admins) {
            if (port !== source.port && port !== target.port)
              await admin.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
          }
        }
      }
      // Let the clients run on a little, through the MOVED replies of the now stale slot map.
      await sleep(500);
    } finally {
      running = false;
      await Promise.all(workers);
    }

    expect(errors.slice(0, 10)).toEqual([]);
    expect(operations).toBeGreaterThan(100);
    expect(migrated).toBeGreaterThanOrEqual(MOVED_SLOTS * KEYS_PER_SLOT);
    expect(stats.moved - before.moved).toBeGreaterThan(0);
    expect(stats.ask - before.ask).toBeGreaterThan(0);

    try {
      // The slots really moved: the source has nothing left in them, the target has everything.
      for (const slot of slots) {
        expect(plain(await onSource.call('CLUSTER', 'COUNTKEYSINSLOT', slot))).toBe(0);
      }
      const owners = new Set(slots.map((s) => gateway().gateway.topology.map.primaryOf(s)?.port));
      expect([...owners]).toEqual([target.port]);

      // Every value intact, read through the gateway and straight from the target.
      const allKeys = [...expected.keys()];
      const check = await gateway().client();
      try {
        expect(strings(await check.call('MGET', ...allKeys))).toEqual(allKeys.map((k) => expected.get(k)!));
        const counterKeys = [...counters.keys()];
        expect(strings(await check.call('MGET', ...counterKeys))).toEqual(
          counterKeys.map((k) => (counters.get(k)! > 0 ? String(counters.get(k)) : null)),
        );
      } finally {
        check.close();
      }
      for (const key of allKeys.slice(0, 100)) {
        expect(replyText(await onTarget.call('GET', key))).toBe(expected.get(key));
      }
    } finally {
      for (const admin of admins.values()) admin.close();
    }
  });

  it('follows MOVED and ASK replies that leave the host out (unknown-endpoint)', async () => {
    const [, target, third] = cluster().nodes;
    if (!target || !third) throw new Error('expected three primaries');
    const [from, to] = third.slots[0]!;
    let tag = '';
    for (let n = 0; !tag; n++) {
      const slot = slotOf(`u${n}`);
      if (slot >= from && slot <= to) tag = `u${n}`;
    }
    const slot = slotOf(tag);
    const key = `{${tag}}:key`;
    const admins = new Map<number, AdminClient>();
    for (const node of cluster().nodes) admins.set(node.port, await cluster().client(node.port));
    const onSource = admins.get(third.port)!;
    const onTarget = admins.get(target.port)!;
    const stats = gateway().gateway.stats;
    const c = await gateway().client();
    try {
      for (const admin of admins.values()) {
        await admin.call('CONFIG', 'SET', 'cluster-preferred-endpoint-type', 'unknown-endpoint');
      }
      expect(replyText(await c.call('SET', key, 'before'))).toBe('OK');
      // Half moved: the key is on the target, the source still owns the slot and answers `-ASK slot :port`.
      await onTarget.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', third.id);
      await onSource.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id);
      await onSource.call('MIGRATE', target.host, target.port, '', 0, 5000, 'KEYS', key);
      const ask = stats.ask;
      expect(replyText(await c.call('GET', key))).toBe('before');
      expect(replyText(await c.call('SET', key, 'during'))).toBe('OK');
      expect(stats.ask - ask).toBeGreaterThanOrEqual(2);
      // Moved: the gateway's map is stale until it hears `-MOVED slot :port`.
      await onTarget.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
      await onSource.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
      for (const [port, admin] of admins) {
        if (port !== third.port && port !== target.port)
          await admin.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
      }
      const moved = stats.moved;
      expect(replyText(await c.call('GET', key))).toBe('during');
      expect(stats.moved - moved).toBe(1);
      expect(gateway().gateway.topology.map.primaryOf(slot)?.key).toBe(`${target.host}:${target.port}`);
    } finally {
      c.close();
      for (const admin of admins.values()) {
        await admin.call('CONFIG', 'SET', 'cluster-preferred-endpoint-type', 'ip').catch(() => {});
        admin.close();
      }
    }
  });
});
