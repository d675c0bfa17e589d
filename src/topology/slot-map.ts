// The slot → shard map the router reads on every command. A SlotMap is immutable once built; a
// topology change builds a new one (or patches one slot after a MOVED) and swaps it in whole.

import { SLOT_COUNT } from './slot-hash.js';

export interface NodeAddress {
  readonly host: string;
  readonly port: number;
  /** `host:port`, with IPv6 hosts in brackets; the key of connection pools. */
  readonly key: string;
  /** Cluster node id, when known. */
  readonly id?: string;
}

export interface Shard {
  readonly primary: NodeAddress;
  readonly replicas: readonly NodeAddress[];
}

export function nodeAddress(host: string, port: number, id?: string): NodeAddress {
  const key = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return id === undefined ? { host, port, key } : { host, port, key, id };
}

export class SlotMap {
  /** Index into `shards` for each slot, or -1 when no shard serves it. */
  private readonly owners: Int16Array;

  constructor(
    readonly shards: readonly Shard[],
    owners?: Int16Array,
    /** Where this map came from, for logs and /cluster endpoints. */
    readonly source = 'unknown',
  ) {
    this.owners = owners ?? new Int16Array(SLOT_COUNT).fill(-1);
  }

  static build(
    entries: ReadonlyArray<{ ranges: ReadonlyArray<[number, number]>; shard: Shard }>,
    source: string,
  ): SlotMap {
    const shards: Shard[] = [];
    const owners = new Int16Array(SLOT_COUNT).fill(-1);
    const byPrimary = new Map<string, number>();
    for (const { ranges, shard } of entries) {
      let index = byPrimary.get(shard.primary.key);
      if (index === undefined) {
        index = shards.length;
        shards.push(shard);
        byPrimary.set(shard.primary.key, index);
      }
      for (const [from, to] of ranges) {
        for (let s = Math.max(0, from); s <= Math.min(SLOT_COUNT - 1, to); s++) owners[s] = index;
      }
    }
    return new SlotMap(shards, owners, source);
  }

  shardOf(slot: number): Shard | undefined {
    const i = this.owners[slot]!;
    return i < 0 ? undefined : this.shards[i];
  }

  primaryOf(slot: number): NodeAddress | undefined {
    const i = this.owners[slot]!;
    return i < 0 ? undefined : this.shards[i]!.primary;
  }

  /** Number of slots that have an owner; 16384 when the map is complete. */
  coveredSlots(): number {
    let n = 0;
    for (let s = 0; s < SLOT_COUNT; s++) if (this.owners[s]! >= 0) n++;
    return n;
  }

  /** Slot ranges served by each shard, in shard order. */
  rangesByShard(): Array<Array<[number, number]>> {
    const ranges: Array<Array<[number, number]>> = this.shards.map(() => []);
    let start = 0;
    for (let s = 1; s <= SLOT_COUNT; s++) {
      if (s === SLOT_COUNT || this.owners[s] !== this.owners[start]) {
        const owner = this.owners[start]!;
        if (owner >= 0) ranges[owner]!.push([start, s - 1]);
        start = s;
      }
    }
    return ranges;
  }

  /** A copy with one slot moved to `node` (after a MOVED), adding a shard for it when new. */
  withSlotMoved(slot: number, node: NodeAddress): SlotMap {
    let index = this.shards.findIndex((sh) => sh.primary.key === node.key);
    const shards = this.shards.slice();
    if (index === -1) {
      index = shards.length;
      shards.push({ primary: node, replicas: [] });
    }
    const owners = this.owners.slice();
    owners[slot] = index;
    return new SlotMap(shards, owners, this.source);
  }

  /** Every distinct primary. */
  primaries(): NodeAddress[] {
    return this.shards.map((s) => s.primary);
  }

  /** Every node, primaries first. */
  allNodes(): NodeAddress[] {
    return [...this.primaries(), ...this.shards.flatMap((s) => s.replicas)];
  }

  /** Whether two maps route every slot to the same primaries with the same replicas. */
  sameRouting(other: SlotMap): boolean {
    for (let s = 0; s < SLOT_COUNT; s++) {
      const a = this.shardOf(s);
      const b = other.shardOf(s);
      if (a?.primary.key !== b?.primary.key) return false;
      if (a && b && a.replicas.map((r) => r.key).join() !== b.replicas.map((r) => r.key).join()) return false;
    }
    return true;
  }
}
