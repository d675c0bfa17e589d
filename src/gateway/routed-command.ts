// One command on its way to one backend node, with everything needed to send it again: the frame,
// its slot (or a fixed node), and how many attempts it has made. Redirects, retries and connection
// failures are handled by the Router; a final reply is delivered to whoever owns the command.

import type { BackendConnectionError, NodeConnection, ReplyHandler } from '../backend/node-connection.js';
import type { ConnectionRole } from '../backend/node-pool.js';
import type { NodeAddress } from '../topology/slot-map.js';
import type { Router } from './router.js';

export abstract class RoutedCommand implements ReplyHandler {
  /** MOVED/ASK redirects followed so far. */
  attempts = 0;
  /** Backoff retries made so far, and when the first one started (its budget runs from there). */
  retries = 0;
  retryStartedAt = 0;
  /** The client's id: all of one client's commands to a node share one connection, keeping their order. */
  affinity = -1;
  /** A write that must be confirmed by replicas (durable-write mode) before its reply is released. */
  durable = false;
  /** Set after an ASK redirect: the next send goes to this node, preceded by ASKING. */
  askNode: NodeAddress | null = null;
  /** The latest attempt went to a replica (readFrom), and a replica's connection failed under it. */
  sentToReplica = false;
  replicaFailed = false;
  /** The connection the latest attempt was written to. */
  sentOn: NodeConnection | null = null;

  constructor(
    readonly router: Router,
    /** The command's bytes as sent to a node. */
    public frame: Buffer,
    /** The slot the command's keys hash to; -1 when it goes to `fixedNode` instead. */
    readonly slot: number,
    readonly readOnly: boolean,
    readonly fixedNode: NodeAddress | null,
    readonly protocol: 2 | 3,
  ) {}

  /** The final reply for this command. */
  abstract deliver(frame: Buffer): void;

  /** The connection to send on once the node is known: a shared one unless a subclass pins its own. */
  connectionFor(node: NodeAddress, role: ConnectionRole): NodeConnection {
    this.sentOn = this.router.pool.get(node, this.protocol, role, this.affinity);
    return this.sentOn;
  }

  onReply(frame: Buffer, connection: NodeConnection): void {
    if (frame[0] === 0x2d && this.router.handleErrorReply(this, frame, connection)) return;
    this.deliver(frame);
  }

  onConnectionFailure(error: BackendConnectionError, written: boolean): void {
    this.router.handleConnectionFailure(this, error, written);
  }
}
