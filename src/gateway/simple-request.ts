// The common case: one client command routed to one slot (or one node), its reply forwarded
// unchanged. A single object serves as the client's queue entry and as the routed command.

import type { NodeConnection } from '../backend/node-connection.js';
import type { ConnectionRole } from '../backend/node-pool.js';
import type { NodeAddress } from '../topology/slot-map.js';
import type { QueuedReply, ReplySink } from './reply-queue.js';
import { RoutedCommand } from './routed-command.js';
import type { Router } from './router.js';

export class SimpleRequest extends RoutedCommand implements QueuedReply {
  next: QueuedReply | null = null;
  reply: Buffer | null = null;
  /** Where this command's latency is recorded, and when it started; set by the session. */
  latency: { observe(seconds: number): void } | null = null;
  startedAt = 0;
  /** For writes: told which shared connection carried the command (WAIT needs it). */
  writeSink: { noteWrite(connection: NodeConnection): void } | null = null;

  constructor(
    private readonly sink: ReplySink,
    router: Router,
    frame: Buffer,
    slot: number,
    readOnly: boolean,
    fixedNode: NodeAddress | null = null,
  ) {
    super(router, frame, slot, readOnly, fixedNode, sink.protocol);
    this.affinity = sink.id;
  }

  /** Notes a write's connection when it is sent: a WAIT the client pipelines right after it must go there. */
  override connectionFor(node: NodeAddress, role: ConnectionRole): NodeConnection {
    const connection = super.connectionFor(node, role);
    if (this.writeSink) this.writeSink.noteWrite(connection);
    return connection;
  }

  deliver(frame: Buffer): void {
    if (this.latency) this.latency.observe((performance.now() - this.startedAt) / 1000);
    this.sink.complete(this, frame);
  }
}

/** A sub-command of a split or fan-out request; its reply goes back to the parent at `index`. */
export class PartCommand extends RoutedCommand {
  constructor(
    private readonly parent: PartOwner,
    readonly index: number,
    router: Router,
    frame: Buffer,
    slot: number,
    readOnly: boolean,
    fixedNode: NodeAddress | null,
    sink: ReplySink,
  ) {
    super(router, frame, slot, readOnly, fixedNode, sink.protocol);
    this.affinity = sink.id;
  }

  deliver(frame: Buffer): void {
    this.parent.partDone(this.index, frame);
  }
}

export interface PartOwner {
  partDone(index: number, frame: Buffer): void;
}
