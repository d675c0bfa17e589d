// Live resharding of a quarter of the slot space (4096 slots) under load through Slotway, with the
// cluster's own protocol: SETSLOT IMPORTING / MIGRATING per batch, MIGRATE ... KEYS in small batches,
// SETSLOT NODE on every primary. Clients read and write keys in every slot throughout; they must see
// zero errors, and every value must be intact afterwards, read through Slotway and from the cluster.

import { describe, expect, it } from 'vitest';
import { AdminClient } from '../../src/backend/admin-client.js';
import { slotOf } from '../../src/topology/slot-hash.js';
import { useCluster } from '../support/cluster.js';
import { readDirect, slotOwners } from '../support/cluster-state.js';
import { useGateway } from '../support/gateway.js';
import { items } from '../support/resp-plain.js';

const MOVED_SLOTS = 4096;
const SLOT_BATCH = 64;
const KEYS = 40_000;
/** Small batches, so a key and its same-slot companion are often on two sides for a while. */
const KEYS_PER_MIGRATE = 2;
const WORKERS = 8;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live resharding of a quarter of the slots', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  const gateway = useGateway(cluster);

  it(`moves ${MOVED_SLOTS} slots under load with zero client-visible errors`, {
    timeout: 240_000,
  }, async () => {
    const [source, target, third] = cluster().nodes;
    if (!source || !target || !third) throw new Error('expected three primaries');
    const firstSlot = source.slots[0]![0];
    const moving = Array.from({ length: MOVED_SLOTS }, (_, i) => firstSlot + i);
    expect(source.slots[0]![1]).toBeGreaterThanOrEqual(moving.at(-1)!);

    // Each key has a companion in the same slot (`{rs:7}:c` hashes like `rs:7`), for same-slot
    // multi-key commands, which get TRYAGAIN while their slot is half moved.
    const companion = (k: string) => `{${k}}:c`;
    const keys = Array.from({ length: KEYS / 2 }, (_, i) => `rs:${i}`).flatMap((k) => [k, companion(k)]);
    const expected = new Map<string, string>();
    const setup = await gateway().client();
    try {
      for (let i = 0; i < KEYS; i += 1000) {
        const chunk = keys.slice(i, i + 1000);
        for (const k of chunk) expected.set(k, `initial:${k}`);
        await setup.call('MSET', ...chunk.flatMap((k) => [k, `initial:${k}`]));
      }
    } finally {
      setup.close();
    }
    const movingKeys = keys.filter((k) => slotOf(k) < firstSlot + MOVED_SLOTS && slotOf(k) >= firstSlot);

    const errors: string[] = [];
    let operations = 0;
    let running = true;
    const hardStop = Date.now() + 180_000;
    // Each worker owns every WORKERS-th key, so the value it expects is its own last write.
    const worker = async (w: number, client: AdminClient) => {
      const mine = keys.filter((k, i) => (i >> 1) % WORKERS === w && k.startsWith('rs:'));
      for (let i = 0; running && Date.now() < hardStop && i < 10_000_000; i++) {
        const key = mine[(Math.random() * mine.length) | 0]!;
        const value = `w${w}:${i}`;
        try {
          const op = i % 5;
          if (op === 0) {
            const reply = await client.send(['SET', key, value]);
            if (reply.type !== 'simple' || reply.value !== 'OK')
              errors.push(`SET ${key}: ${JSON.stringify(reply)}`);
            else expected.set(key, value);
          } else if (op === 1) {
            const reply = await client.send(['GET', key]);
            const got = reply.type === 'bulk' ? reply.value.toString('utf8') : JSON.stringify(reply);
            if (got !== expected.get(key)) errors.push(`GET ${key}: ${got}, expected ${expected.get(key)}`);
          } else if (op === 3) {
            const reply = await client.send(['MSET', key, value, companion(key), value]);
            if (reply.type !== 'simple' || reply.value !== 'OK')
              errors.push(`MSET ${key}: ${JSON.stringify(reply)}`);
            else {
              expected.set(key, value);
              expected.set(companion(key), value);
            }
          } else if (op === 4) {
            const reply = await client.send(['MGET', key, companion(key)]);
            const got =
              reply.type === 'array'
                ? reply.value.map((v) => (v.type === 'bulk' ? v.value.toString() : null))
                : reply;
            const want = [expected.get(key), expected.get(companion(key))];
            if (JSON.stringify(got) !== JSON.stringify(want))
              errors.push(
                `MGET ${key} (same slot): ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`,
              );
          } else {
            // A cross-slot MGET: split per slot, some parts on half-moved slots.
            const other = mine[(Math.random() * mine.length) | 0]!;
            const reply = await client.send(['MGET', key, other]);
            const got =
              reply.type === 'array'
                ? reply.value.map((v) => (v.type === 'bulk' ? v.value.toString() : null))
                : reply;
            const want = [expected.get(key), expected.get(other)];
            if (JSON.stringify(got) !== JSON.stringify(want))
              errors.push(`MGET ${key} ${other}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
          }
          operations++;
        } catch (err) {
          errors.push(`${key}: ${(err as Error).message}`);
        }
      }
    };

    const admins = new Map<number, AdminClient>();
    for (const node of cluster().nodes) admins.set(node.port, await cluster().client(node.port));
    const onSource = admins.get(source.port)!;
    const onTarget = admins.get(target.port)!;
    const clients = await Promise.all(
      Array.from({ length: WORKERS }, () =>
        AdminClient.connect({ host: '127.0.0.1', port: gateway().port, commandTimeoutMs: 30_000 }),
      ),
    );
    const stats = gateway().gateway.stats;
    const before = { moved: stats.moved, ask: stats.ask, tryAgain: stats.tryAgain, retries: stats.retries };
    const workers = clients.map((c, w) => worker(w, c));
    let migrated = 0;
    const startedAt = Date.now();
    let reshardMs = 0;
    try {
      await sleep(300);
      for (let b = 0; b < moving.length; b += SLOT_BATCH) {
        const batch = moving.slice(b, b + SLOT_BATCH);
        await Promise.all(
          batch.map((slot) => onTarget.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id)),
        );
        await Promise.all(
          batch.map((slot) => onSource.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id)),
        );
        for (const slot of batch) {
          for (let guard = 0; guard < 1000; guard++) {
            const inSlot = items(await onSource.call('CLUSTER', 'GETKEYSINSLOT', slot, KEYS_PER_MIGRATE)).map(
              (k) => (k.type === 'bulk' ? k.value.toString('utf8') : ''),
            );
            if (inSlot.length === 0) break;
            await onSource.call('MIGRATE', target.host, target.port, '', 0, 5000, 'KEYS', ...inSlot);
            migrated += inSlot.length;
            // Leave the slot half moved for a moment when it holds more keys: clients meet ASK and TRYAGAIN.
            if (inSlot.length === KEYS_PER_MIGRATE) await sleep(1);
          }
        }
        // The recommended order: the target first, then the source, then every other primary.
        await Promise.all(batch.map((slot) => onTarget.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id)));
        await Promise.all(batch.map((slot) => onSource.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id)));
        for (const [port, admin] of admins) {
          if (port === source.port || port === target.port) continue;
          await Promise.all(batch.map((slot) => admin.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id)));
        }
      }
      reshardMs = Date.now() - startedAt;
      // Clients run on through the MOVED replies of the gateway's now stale slot map.
      await sleep(1000);
    } finally {
      running = false;
      await Promise.all(workers);
      for (const c of clients) c.close();
      for (const a of admins.values()) a.close();
    }

    const owners = await slotOwners(cluster());
    const movedOwners = new Set(moving.map((s) => owners[s]));
    const direct = await readDirect(cluster(), keys);
    const intactDirect = keys.filter((k) => direct.get(k) === expected.get(k)).length;
    const check = await gateway().client();
    let intactViaGateway = 0;
    try {
      for (let i = 0; i < KEYS; i += 1000) {
        const chunk = keys.slice(i, i + 1000);
        const reply = items(await check.call('MGET', ...chunk));
        chunk.forEach((k, j) => {
          const v = reply[j]!;
          if (v.type === 'bulk' && v.value.toString('utf8') === expected.get(k)) intactViaGateway++;
        });
      }
    } finally {
      check.close();
    }
    console.log(
      '[resharding-quarter] measured',
      JSON.stringify({
        slotsMoved: MOVED_SLOTS,
        keysInMovedSlots: movingKeys.length,
        keysMigrated: migrated,
        reshardMs,
        clientOperations: operations,
        clientErrors: errors.length,
        firstErrors: errors.slice(0, 5),
        redirects: {
          moved: stats.moved - before.moved,
          ask: stats.ask - before.ask,
          tryAgain: stats.tryAgain - before.tryAgain,
          retries: stats.retries - before.retries,
        },
        valuesIntact: { direct: intactDirect, viaGateway: intactViaGateway, of: KEYS },
      }),
    );

    expect(errors.slice(0, 10)).toEqual([]);
    expect(operations).toBeGreaterThan(5000);
    expect([...movedOwners]).toEqual([target.port]);
    expect(migrated).toBeGreaterThanOrEqual(movingKeys.length);
    expect(stats.moved - before.moved).toBeGreaterThan(0);
    expect(stats.ask - before.ask).toBeGreaterThan(0);
    expect(intactDirect).toBe(KEYS);
    expect(intactViaGateway).toBe(KEYS);
  });
});
