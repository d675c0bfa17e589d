// Which node does what in a local cluster: primaries first (even slot split, as redis-cli does),
// then replicas, replica k following primary k mod N — so 3x1 from 7000 gives 7003 → 7000.

import { SLOT_COUNT } from '../topology/slot-hash.js';

export type NodeRole = 'primary' | 'replica';

/** An inclusive slot range, `[first, last]`. */
export type SlotRange = readonly [number, number];

export interface PlannedNode {
  port: number;
  role: NodeRole;
  /** Index (into the plan) of the primary a replica follows. */
  primaryIndex?: number;
  /** Slots a primary owns; empty for replicas. */
  slots: SlotRange[];
  /** TLS client port, for a cluster started with `tls`. */
  tlsPort?: number;
}

/** Splits 0..16383 into `primaries` contiguous ranges whose sizes differ by at most one. */
export function evenSlotRanges(primaries: number): SlotRange[] {
  const ranges: SlotRange[] = [];
  for (let i = 0; i < primaries; i++) {
    const first = Math.floor((i * SLOT_COUNT) / primaries);
    const last = Math.floor(((i + 1) * SLOT_COUNT) / primaries) - 1;
    ranges.push([first, last]);
  }
  return ranges;
}

export function planCluster(primaries: number, replicasPerPrimary: number, ports: number[]): PlannedNode[] {
  const total = primaries * (1 + replicasPerPrimary);
  if (ports.length !== total) throw new Error(`need ${total} ports, got ${ports.length}`);
  const ranges = evenSlotRanges(primaries);
  return ports.map((port, index) => {
    if (index < primaries) return { port, role: 'primary', slots: [ranges[index]!] };
    return { port, role: 'replica', primaryIndex: (index - primaries) % primaries, slots: [] };
  });
}
