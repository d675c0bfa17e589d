// Dedicated backend connections owned by one client session: used by blocking commands (which would
// stall a shared connection) and by WATCH (whose state lives on the connection). Closed when the
// client goes away, so a blocked command on the server is released at once.

import type { NodeConnection } from '../backend/node-connection.js';
import type { NodePool } from '../backend/node-pool.js';
import type { NodeAddress } from '../topology/slot-map.js';

export class PinnedConnections {
  private readonly byNode = new Map<string, NodeConnection>();

  constructor(private readonly pool: NodePool) {}

  /** This session's connection to `node`, opened on first use and reused while it stays open. */
  get(node: NodeAddress, protocol: 2 | 3): NodeConnection {
    const existing = this.byNode.get(node.key);
    if (existing && existing.state !== 'closed') return existing;
    const fresh = this.pool.openDedicated(node, protocol);
    this.byNode.set(node.key, fresh);
    return fresh;
  }

  /** Closes the connection to one node (after UNWATCH/EXEC), or all of them. */
  release(node?: NodeAddress): void {
    if (node) {
      this.byNode.get(node.key)?.close();
      this.byNode.delete(node.key);
      return;
    }
    for (const c of this.byNode.values()) c.close();
    this.byNode.clear();
  }

  get size(): number {
    let n = 0;
    for (const c of this.byNode.values()) if (c.state !== 'closed') n++;
    return n;
  }
}
