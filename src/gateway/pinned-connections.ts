// Dedicated backend connections owned by one client session: used by blocking commands (which would
// stall a shared connection) and by WATCH (whose state lives on the connection). A WATCH connection
// is held until EXEC / DISCARD / UNWATCH; a blocking command's connection is closed once it has been
// idle for a moment (a client looping on BLPOP reuses it instead of reconnecting every time). All of
// them are closed when the client goes away, so a blocked command on the server is released at once.

import { DISCARD_REPLY, type NodeConnection } from '../backend/node-connection.js';
import type { ConnectionRole, NodePool } from '../backend/node-pool.js';
import { encodeCommand } from '../protocol/resp-encoder.js';
import type { NodeAddress } from '../topology/slot-map.js';

/** How long a finished blocking command's connection stays open for the client's next one. */
export const PINNED_IDLE_MS = 1000;

const UNWATCH = encodeCommand(['UNWATCH']);
const HELLO: Record<2 | 3, Buffer> = { 2: encodeCommand(['HELLO', '2']), 3: encodeCommand(['HELLO', '3']) };

interface Pinned {
  connection: NodeConnection;
  protocol: 2 | 3;
  /** Holds the client's WATCH: stays open until the WATCH is over. */
  held: boolean;
  idleTimer: NodeJS.Timeout | null;
}

export class PinnedConnections {
  private readonly byNode = new Map<string, Pinned>();

  constructor(private readonly pool: NodePool) {}

  /** This session's connection to `node`, opened on first use and reused while it stays open. */
  get(node: NodeAddress, protocol: 2 | 3, role: ConnectionRole = 'primary'): NodeConnection {
    const existing = this.byNode.get(node.key);
    if (existing && existing.connection.state !== 'closed') {
      this.stopIdleTimer(existing);
      this.switchProtocol(existing, protocol);
      return existing.connection;
    }
    const fresh: Pinned = {
      connection: this.pool.openDedicated(node, protocol, role),
      protocol,
      held: false,
      idleTimer: null,
    };
    this.byNode.set(node.key, fresh);
    return fresh.connection;
  }

  /** The open connection holding the WATCH on `node`; null when it was lost (and the WATCH with it). */
  heldConnection(node: NodeAddress): NodeConnection | null {
    const pinned = this.byNode.get(node.key);
    return pinned?.held && pinned.connection.state !== 'closed' ? pinned.connection : null;
  }

  /**
   * The client switched protocol (HELLO) since the connection was opened: the connection switches
   * too, behind whatever it still runs, so later replies come in the client's new protocol and
   * earlier ones in the old, as from Redis. Reconnecting instead would lose the WATCH, or fail a
   * blocking command still waiting on it.
   */
  private switchProtocol(pinned: Pinned, protocol: 2 | 3): void {
    if (pinned.protocol === protocol) return;
    pinned.connection.send(HELLO[protocol], DISCARD_REPLY);
    pinned.protocol = protocol;
  }

  /** Keeps the connection to `node` open until `unhold` (it carries the client's WATCH). */
  hold(node: NodeAddress): void {
    const pinned = this.byNode.get(node.key);
    if (!pinned) return;
    pinned.held = true;
    this.stopIdleTimer(pinned);
  }

  /**
   * The WATCH on `node` is over. An idle connection is closed at once, which discards the
   * server-side WATCH with it; one still running a blocking command gets UNWATCH behind it and is
   * closed once idle.
   */
  unhold(node: NodeAddress): void {
    const pinned = this.byNode.get(node.key);
    if (!pinned) return;
    pinned.held = false;
    if (pinned.connection.outstanding === 0) {
      this.drop(node.key, pinned);
      return;
    }
    pinned.connection.send(UNWATCH, DISCARD_REPLY);
    this.finished(node);
  }

  /** A command on the connection to `node` finished: close it when it stays idle and is not held. */
  finished(node: NodeAddress): void {
    const pinned = this.byNode.get(node.key);
    if (!pinned || pinned.held) return;
    this.stopIdleTimer(pinned);
    pinned.idleTimer = setTimeout(() => {
      pinned.idleTimer = null;
      if (pinned.held || this.byNode.get(node.key) !== pinned) return;
      if (pinned.connection.outstanding > 0) this.finished(node);
      else this.drop(node.key, pinned);
    }, PINNED_IDLE_MS);
    pinned.idleTimer.unref();
  }

  /** Closes every connection (RESET, disconnect). */
  release(): void {
    for (const [key, pinned] of this.byNode) this.drop(key, pinned);
  }

  get size(): number {
    let n = 0;
    for (const p of this.byNode.values()) if (p.connection.state !== 'closed') n++;
    return n;
  }

  private drop(key: string, pinned: Pinned): void {
    this.stopIdleTimer(pinned);
    if (this.byNode.get(key) === pinned) this.byNode.delete(key);
    pinned.connection.close();
  }

  private stopIdleTimer(pinned: Pinned): void {
    if (pinned.idleTimer) clearTimeout(pinned.idleTimer);
    pinned.idleTimer = null;
  }
}
