// A single-slot command that must run on the client's own backend connection: blocking commands
// (BLPOP, XREAD BLOCK, ...), WATCH and UNWATCH. Routing, MOVED and ASK work as for any command;
// only the connection differs.

import type { NodeConnection } from '../backend/node-connection.js';
import type { NodeAddress } from '../topology/slot-map.js';
import type { PinnedConnections } from './pinned-connections.js';
import type { ReplySink } from './reply-queue.js';
import type { Router } from './router.js';
import { SimpleRequest } from './simple-request.js';

export class PinnedRequest extends SimpleRequest {
  /** The node the command finally ran on, once its reply arrived. */
  ranOn: NodeAddress | null = null;

  constructor(
    sink: ReplySink,
    router: Router,
    frame: Buffer,
    slot: number,
    readOnly: boolean,
    fixedNode: NodeAddress | null,
    private readonly pinned: PinnedConnections,
  ) {
    super(sink, router, frame, slot, readOnly, fixedNode);
  }

  override connectionFor(node: NodeAddress): NodeConnection {
    this.ranOn = node;
    return this.pinned.get(node, this.protocol);
  }
}
