// The seam between routing and where a slot map comes from. Redis Cluster discovery and a single
// standalone server are the first sources; the managed pool's configuration node (C4) and Sentinel
// plug in here without touching the router.

import type { SlotMap } from './slot-map.js';

export interface TopologySource {
  /** Short name for logs and metrics: 'cluster', 'standalone', ... */
  readonly kind: string;
  /** Loads the current map; rejects when no node could tell. */
  load(): Promise<SlotMap>;
  /** Whether MOVED/ASK replies are expected from this source's nodes. */
  readonly redirects: boolean;
}
