// How the HTTP and WebSocket layer reaches Redis: over RESP, through the gateway's own listener on
// loopback, so routing, cross-slot splitting, transactions and pub/sub behave exactly as for any
// RESP client. A few shared connections carry ordinary commands multiplexed; a transaction, a
// blocking command or a subscription gets a dedicated connection of its own.

import type { Gateway } from '../gateway/gateway.js';
import type { RespValue } from '../protocol/resp-value.js';
import { type CommandArg, LinkConnection, LinkError, type LinkTarget } from './link-connection.js';

export interface GatewayLinkOptions {
  /** Shared multiplexed connections. */
  connections: number;
  /** Idle dedicated connections kept for reuse by transactions and blocking commands. */
  maxIdleDedicated: number;
}

const DEFAULTS: GatewayLinkOptions = { connections: 4, maxIdleDedicated: 8 };
const ANY_ADDRESS = new Set(['0.0.0.0', '::', '']);

/** Where to reach `gateway` from inside its own process, and with which credentials. */
export function linkTargetOf(gateway: Gateway, gatewayPort: number): LinkTarget {
  const o = gateway.options;
  const connectTimeoutMs = o.backend.connectTimeoutMs ?? 2000;
  // A password for the default user wins; otherwise the first user allowed to write.
  const user = o.password ? undefined : (o.users ?? []).find((u) => !u.readOnly);
  const credentials = o.password
    ? { password: o.password }
    : user
      ? { username: user.name, password: user.password }
      : {};
  const host = ANY_ADDRESS.has(o.host) ? '127.0.0.1' : o.host;
  if (o.unixSocket) return { host, port: gatewayPort, path: o.unixSocket, connectTimeoutMs, ...credentials };
  // With TLS on the main port (no separate TLS port) the link has to speak TLS too.
  const tls = o.tls !== undefined && o.tls.port === undefined;
  return { host, port: gatewayPort, tls, connectTimeoutMs, ...credentials };
}

export class GatewayLink {
  private readonly shared: Array<LinkConnection | null>;
  private readonly opening: Array<Promise<LinkConnection> | null>;
  private readonly idle: LinkConnection[] = [];
  private readonly dedicated = new Set<LinkConnection>();
  private readonly streams = new Set<LinkConnection>();
  private readonly options: GatewayLinkOptions;
  private closed = false;

  constructor(
    private readonly target: LinkTarget,
    options: Partial<GatewayLinkOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.shared = new Array(this.options.connections).fill(null);
    this.opening = new Array(this.options.connections).fill(null);
  }

  /** Runs commands on a shared connection (one write); replies in order, error replies included. */
  async batch(commands: ReadonlyArray<readonly CommandArg[]>): Promise<RespValue[]> {
    const conn = await this.sharedConnection();
    return conn.sendBatch(commands);
  }

  /**
   * A connection of its own, for a transaction or a blocking command. Give it back with `release`
   * (reusable only when its state is clean again, e.g. after EXEC).
   */
  async acquire(): Promise<LinkConnection> {
    this.checkOpen();
    for (let conn = this.idle.pop(); conn; conn = this.idle.pop()) {
      if (conn.isOpen) {
        this.dedicated.add(conn);
        return conn;
      }
    }
    const conn = await LinkConnection.open(this.target);
    if (this.closed) {
      conn.close();
      this.checkOpen();
    }
    this.dedicated.add(conn);
    conn.onClose(() => this.dedicated.delete(conn));
    return conn;
  }

  release(conn: LinkConnection, reusable: boolean): void {
    this.dedicated.delete(conn);
    if (reusable && conn.isOpen && !this.closed && this.idle.length < this.options.maxIdleDedicated) {
      this.idle.push(conn);
    } else {
      conn.close();
    }
  }

  /** A fresh connection for a subscription stream; the caller closes it. */
  async openStream(): Promise<LinkConnection> {
    this.checkOpen();
    const conn = await LinkConnection.open(this.target);
    if (this.closed) conn.close();
    this.checkOpen();
    this.streams.add(conn);
    conn.onClose(() => this.streams.delete(conn));
    return conn;
  }

  /** Ends every subscription stream (their HTTP responses and sockets end with them). */
  closeStreams(): void {
    for (const conn of [...this.streams]) conn.close();
  }

  /** Opens one shared connection, proving the gateway answers. */
  async check(): Promise<void> {
    await this.sharedConnection();
  }

  close(): void {
    this.closed = true;
    for (const conn of this.shared) conn?.close();
    for (const conn of this.idle.splice(0)) conn.close();
    for (const conn of [...this.dedicated]) conn.close();
    this.closeStreams();
  }

  /** The least busy open shared connection, opening (or reopening) slots lazily. */
  private sharedConnection(): Promise<LinkConnection> {
    this.checkOpen();
    let best: LinkConnection | null = null;
    let emptySlot = -1;
    for (let i = 0; i < this.shared.length; i++) {
      const conn = this.shared[i];
      if (conn?.isOpen) {
        if (conn.inFlight === 0) return Promise.resolve(conn);
        if (!best || conn.inFlight < best.inFlight) best = conn;
      } else if (emptySlot < 0 && !this.opening[i]) {
        emptySlot = i;
      }
    }
    if (emptySlot >= 0) return this.openShared(emptySlot);
    if (best) return Promise.resolve(best);
    // Every slot is still opening: wait for the first one.
    const opening = this.opening.find((p) => p !== null);
    return opening ?? this.openShared(0);
  }

  private openShared(slot: number): Promise<LinkConnection> {
    const opening = LinkConnection.open(this.target).then(
      (conn) => {
        this.opening[slot] = null;
        if (this.closed) {
          conn.close();
          throw new LinkError('gateway link closed');
        }
        this.shared[slot] = conn;
        return conn;
      },
      (err: Error) => {
        this.opening[slot] = null;
        throw err;
      },
    );
    this.opening[slot] = opening;
    return opening;
  }

  private checkOpen(): void {
    if (this.closed) throw new LinkError('gateway link closed');
  }
}
