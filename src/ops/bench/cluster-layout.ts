// What the bench needs to know about the cluster it measures: its primaries and which one serves
// each slot (read once, with the gateway's own CLUSTER SHARDS / SLOTS parser), the server version,
// and how many client connections the primaries hold (to show the gateway's backend connections do
// not grow with its client count).

import { AdminClient, replyText } from '../../backend/admin-client.js';
import { parseClusterShards, parseClusterSlots, splitHostPort } from '../../topology/cluster-discovery.js';
import { SLOT_COUNT } from '../../topology/slot-hash.js';
import { SlotMap } from '../../topology/slot-map.js';
import type { Endpoint } from './load-client.js';

export interface ClusterLayout {
  primaries: Endpoint[];
  /** Index into `primaries` serving each slot. */
  slotNodes: number[];
  serverVersion: string;
}

export class ClusterLayoutError extends Error {
  override readonly name = 'ClusterLayoutError';
}

export async function readClusterLayout(seeds: readonly string[]): Promise<ClusterLayout> {
  const failures: string[] = [];
  for (const seed of seeds) {
    const { host, port } = splitHostPort(seed);
    let client: AdminClient | null = null;
    try {
      client = await AdminClient.connect({ host, port });
      const shards = await client
        .call('CLUSTER', 'SHARDS')
        .then((reply) => parseClusterShards(reply, host))
        .catch(async () => parseClusterSlots(await client!.call('CLUSTER', 'SLOTS'), host));
      const map = SlotMap.build(shards, seed);
      const primaries = map.shards.map((s) => ({ host: s.primary.host, port: s.primary.port }));
      const slotNodes: number[] = new Array(SLOT_COUNT);
      const index = new Map(map.shards.map((s, i) => [s.primary.key, i]));
      for (let slot = 0; slot < SLOT_COUNT; slot++) {
        const shard = map.shardOf(slot);
        if (!shard) throw new ClusterLayoutError(`slot ${slot} is not served by any node of ${seed}`);
        slotNodes[slot] = index.get(shard.primary.key)!;
      }
      const info = replyText(await client.call('INFO', 'server'));
      const serverVersion = /(?:valkey|redis)_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
      return { primaries, slotNodes, serverVersion };
    } catch (err) {
      if (err instanceof ClusterLayoutError) throw err;
      failures.push(`${seed}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      client?.close();
    }
  }
  throw new ClusterLayoutError(`could not read the cluster layout from any seed (${failures.join('; ')})`);
}

/** A standalone server as a one-node layout: it serves every slot, so the load goes there unsplit. */
export async function readStandaloneLayout(seed: string): Promise<ClusterLayout> {
  const { host, port } = splitHostPort(seed);
  const client = await AdminClient.connect({ host, port });
  try {
    const info = replyText(await client.call('INFO', 'server'));
    const serverVersion = /(?:valkey|redis)_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
    return { primaries: [{ host, port }], slotNodes: new Array<number>(SLOT_COUNT).fill(0), serverVersion };
  } finally {
    client.close();
  }
}

/** Client connections the primaries hold, not counting the one asking. */
export async function primaryConnections(primaries: readonly Endpoint[]): Promise<number> {
  let total = 0;
  for (const { host, port } of primaries) {
    const client = await AdminClient.connect({ host, port });
    try {
      const info = replyText(await client.call('INFO', 'clients'));
      total += Number(/connected_clients:(\d+)/.exec(info)?.[1] ?? 0) - 1;
    } finally {
      client.close();
    }
  }
  return total;
}
