// A single-slot command that must run on the client's own backend connection: blocking commands
// (BLPOP, XREAD BLOCK, ...), WATCH and UNWATCH. Routing, MOVED and ASK work as for any command;
// only the connection differs.

import type { NodeConnection } from '../backend/node-connection.js';
import type { ConnectionRole } from '../backend/node-pool.js';
import type { NodeAddress } from '../topology/slot-map.js';
import type { PinnedConnections } from './pinned-connections.js';
import type { ReplySink } from './reply-queue.js';
import type { Router } from './router.js';
import { SimpleRequest } from './simple-request.js';

export class PinnedRequest extends SimpleRequest {
  /** The node the command was last sent to. */
  ranOn: NodeAddress | null = null;
  /** WATCH: the connection stays the client's until the WATCH is over, not just until the reply. */
  holdsConnection = false;

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

  override connectionFor(node: NodeAddress, role: ConnectionRole): NodeConnection {
    // Redirected elsewhere: the connection to the previous node is no longer needed for this command.
    if (this.ranOn && this.ranOn.key !== node.key && !this.holdsConnection) this.pinned.finished(this.ranOn);
    this.ranOn = node;
    const connection = this.pinned.get(node, this.protocol, role);
    if (this.holdsConnection) this.pinned.hold(node);
    this.sentOn = connection;
    return connection;
  }

  override deliver(frame: Buffer): void {
    super.deliver(frame);
    if (this.ranOn && !this.holdsConnection) this.pinned.finished(this.ranOn);
  }
}
