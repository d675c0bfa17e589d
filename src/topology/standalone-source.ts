// Topology source for one plain server (backward-compatible mode): every slot belongs to it, so
// the same router serves a single Redis without cluster mode.

import { SLOT_COUNT } from './slot-hash.js';
import { type NodeAddress, SlotMap } from './slot-map.js';
import type { TopologySource } from './topology-source.js';

export class StandaloneSource implements TopologySource {
  readonly kind = 'standalone';
  readonly redirects = false;

  constructor(private readonly node: NodeAddress) {}

  async load(): Promise<SlotMap> {
    return SlotMap.build(
      [{ ranges: [[0, SLOT_COUNT - 1]], shard: { primary: this.node, replicas: [] } }],
      'standalone',
    );
  }
}
