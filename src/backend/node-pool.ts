// The gateway's backend connections: a small fixed number per node and protocol, shared by every
// client (multiplexing). Connections are opened lazily, replaced when they fail, and checked for
// commands that have waited longer than the command timeout.

import type { Logger } from '../observability/logger.js';
import { silentLogger } from '../observability/logger.js';
import { encodeCommand } from '../protocol/resp-encoder.js';
import type { Protocol } from '../protocol/resp-value.js';
import type { NodeAddress } from '../topology/slot-map.js';
import type { BackendConnectOptions } from './connect-options.js';
import { BackendConnectionError, NodeConnection } from './node-connection.js';

export interface NodePoolOptions extends BackendConnectOptions {
  connectionsPerNode: number;
  /** Idle connections are PINGed this often; 0 disables health checks. */
  healthCheckMs?: number;
  logger?: Logger;
  /** Called when a connection fails (not when the gateway closes it): triggers a topology refresh. */
  onConnectionError?: (node: NodeAddress, error: BackendConnectionError) => void;
}

/** Which role a connection plays, so replica connections get READONLY in their preamble. */
export type ConnectionRole = 'primary' | 'replica';

class NodeSlots {
  readonly connections: Array<NodeConnection | undefined>;
  next = 0;
  constructor(size: number) {
    this.connections = new Array(size);
  }
}

export class NodePool {
  /** Per node key: connection slots for each (protocol, role) variant. */
  private readonly nodes = new Map<string, Array<NodeSlots | undefined>>();
  private readonly logger: Logger;
  private readonly timeoutTimer: NodeJS.Timeout;
  private closed = false;
  opened = 0;
  dedicatedOpened = 0;
  failed = 0;

  constructor(readonly options: NodePoolOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'node-pool' });
    this.timeoutTimer = setInterval(
      () => this.checkTimeouts(),
      Math.min(1000, Math.max(50, options.commandTimeoutMs / 4)),
    );
    this.timeoutTimer.unref();
  }

  /**
   * A connection to `node` for `protocol`. With an `affinity` (a client id), the same client always
   * gets the same connection, so its commands reach the node in the order it sent them (a SET then a
   * GET in one pipeline must not travel on two sockets); without one, round-robin.
   */
  get(
    node: NodeAddress,
    protocol: Protocol = 2,
    role: ConnectionRole = 'primary',
    affinity = -1,
  ): NodeConnection {
    let entry = this.nodes.get(node.key);
    if (!entry) {
      entry = [];
      this.nodes.set(node.key, entry);
    }
    const variant = (protocol === 3 ? 2 : 0) + (role === 'replica' ? 1 : 0);
    let slots = entry[variant];
    if (!slots) {
      slots = new NodeSlots(this.options.connectionsPerNode);
      entry[variant] = slots;
    }
    let i: number;
    if (affinity >= 0) {
      i = affinity % slots.connections.length;
    } else {
      i = slots.next;
      slots.next = i + 1 === slots.connections.length ? 0 : i + 1;
    }
    const existing = slots.connections[i];
    if (existing && existing.state !== 'closed') return existing;
    const fresh = this.open(node, protocol, role, slots, i);
    slots.connections[i] = fresh;
    return fresh;
  }

  private open(
    node: NodeAddress,
    protocol: Protocol,
    role: ConnectionRole,
    slots: NodeSlots,
    index: number,
  ): NodeConnection {
    this.opened++;
    return new NodeConnection(
      node,
      this.options,
      {
        onClose: (connection, error) => {
          if (slots.connections[index] === connection) slots.connections[index] = undefined;
          if (error && !this.closed) {
            this.failed++;
            this.logger.warn({ node: node.key, err: error.message }, 'backend connection failed');
            this.options.onConnectionError?.(node, error);
          }
        },
      },
      this.preamble(protocol, role),
    );
  }

  /**
   * A connection owned by one client (transactions with WATCH, blocking commands): not shared, not
   * counted in the pool; the owner closes it. Its failure still triggers a topology refresh.
   */
  openDedicated(node: NodeAddress, protocol: Protocol, role: ConnectionRole = 'primary'): NodeConnection {
    this.dedicatedOpened++;
    return new NodeConnection(
      node,
      this.options,
      {
        onClose: (_connection, error) => {
          if (error && !this.closed) this.options.onConnectionError?.(node, error);
        },
      },
      this.preamble(protocol, role),
      // One client's connection: a read slab each would add up over thousands of clients.
      false,
    );
  }

  /** AUTH / HELLO 3 / READONLY sent first on every new connection. */
  preamble(protocol: Protocol, role: ConnectionRole): Buffer[] {
    const preamble: Buffer[] = [];
    const { username, password } = this.options;
    if (protocol === 3) {
      const hello: Array<string | number> = ['HELLO', 3];
      if (password) hello.push('AUTH', username ?? 'default', password);
      preamble.push(encodeCommand(hello));
    } else if (password) {
      preamble.push(encodeCommand(username ? ['AUTH', username, password] : ['AUTH', password]));
    }
    if (role === 'replica') preamble.push(encodeCommand(['READONLY']));
    return preamble;
  }

  /** Open connections per pool key, for metrics and tests. */
  connectionCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [key, entry] of this.nodes) {
      let n = 0;
      for (const slots of entry) for (const c of slots?.connections ?? []) if (c && c.state !== 'closed') n++;
      counts.set(key, n);
    }
    return counts;
  }

  /** Commands waiting for replies across all connections. */
  outstanding(): number {
    let n = 0;
    for (const c of this.allConnections()) n += c.outstanding;
    return n;
  }

  /** Closes connections to nodes that are no longer part of the topology. */
  retain(keep: ReadonlySet<string>): void {
    for (const [key, entry] of this.nodes) {
      if (keep.has(key)) continue;
      for (const slots of entry) for (const c of slots?.connections ?? []) c?.close();
      this.nodes.delete(key);
    }
  }

  private checkTimeouts(): void {
    const now = Date.now();
    // In durable-write mode a batch's WAIT may legitimately hold the connection for its own timeout.
    const durability = this.options.durability;
    const limit =
      this.options.commandTimeoutMs + (durability && durability.replicas > 0 ? durability.timeoutMs : 0);
    const idle = this.options.healthCheckMs ?? 0;
    for (const c of this.allConnections()) {
      if (idle > 0) c.healthCheck(now, idle);
      if (limit <= 0) continue;
      if (c.state !== 'closed' && c.oldestWaitMs(now) > limit) {
        c.destroy(new BackendConnectionError(c.node.key, `${c.node.key} did not answer within ${limit} ms`));
      }
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timeoutTimer);
    for (const c of this.allConnections()) c.close();
    this.nodes.clear();
  }

  private *allConnections(): Generator<NodeConnection> {
    for (const entry of this.nodes.values()) {
      for (const slots of entry) for (const c of slots?.connections ?? []) if (c) yield c;
    }
  }
}
