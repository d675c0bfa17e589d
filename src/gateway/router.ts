// Sends RoutedCommands to the right backend connection and deals with what comes back: MOVED
// (patch the slot map, resend), ASK (ASKING + resend on the same connection), TRYAGAIN/CLUSTERDOWN/
// LOADING (retry with backoff), and connection failures (retry only when it is safe).

import { BackendConnectionError, DISCARD_REPLY, type NodeConnection } from '../backend/node-connection.js';
import type { NodePool } from '../backend/node-pool.js';
import type { CommandTable } from '../commands/command-table.js';
import { encodeCommand, encodeError } from '../protocol/resp-encoder.js';
import type { NodeAddress, SlotMap } from '../topology/slot-map.js';
import type { Topology } from '../topology/topology.js';
import type { GatewayStats } from './gateway-stats.js';
import { parseRedirect } from './redirects.js';
import type { RoutedCommand } from './routed-command.js';

export type ReadFrom = 'primary' | 'replica' | 'prefer-replica';

export interface RouterOptions {
  readFrom: ReadFrom;
  /** Retries of TRYAGAIN / CLUSTERDOWN / failed connections before the error goes to the client. */
  maxRetries: number;
  /** First backoff delay; doubles per retry, with jitter. */
  retryDelayMs: number;
  /** Total time one command may spend in backoff retries. */
  retryTimeoutMs: number;
  /** MOVED/ASK redirects followed for one command before giving up. */
  maxRedirects: number;
}

const ASKING = encodeCommand(['ASKING']);

export class Router {
  constructor(
    readonly topology: Topology,
    readonly pool: NodePool,
    readonly commands: CommandTable,
    readonly options: RouterOptions,
    readonly stats: GatewayStats,
  ) {}

  get map(): SlotMap {
    return this.topology.map;
  }

  get redirects(): boolean {
    return this.topology.source.redirects;
  }

  /** Sends (or resends) a command to the node that should answer it now. */
  send(cmd: RoutedCommand): void {
    let node: NodeAddress | undefined;
    let replica = false;
    if (cmd.askNode) {
      node = cmd.askNode;
    } else if (cmd.fixedNode) {
      node = cmd.fixedNode;
    } else {
      const shard = this.topology.map.shardOf(cmd.slot);
      if (shard) {
        node = shard.primary;
        const readFrom = this.options.readFrom;
        if (cmd.readOnly && readFrom !== 'primary') {
          // prefer-replica: the primary when the shard has no replica up, or when the replica's
          // connection just failed under this command (before the cluster marks the replica failed).
          const useReplica =
            shard.replicas.length > 0 && !(readFrom === 'prefer-replica' && cmd.replicaFailed);
          if (useReplica) {
            node = shard.replicas[(Math.random() * shard.replicas.length) | 0]!;
            replica = true;
          } else if (readFrom === 'replica') {
            this.retryOrFail(
              cmd,
              `CLUSTERDOWN no replica of slot ${cmd.slot} is up, and backend.readFrom is replica (prefer-replica would read from the primary)`,
            );
            return;
          }
        }
      }
    }
    if (!node) {
      this.retryOrFail(cmd, 'CLUSTERDOWN Hash slot not served');
      return;
    }
    cmd.sentToReplica = replica;
    const connection = cmd.connectionFor(node, replica ? 'replica' : 'primary');
    if (cmd.askNode) {
      connection.send(ASKING, DISCARD_REPLY);
      cmd.askNode = null;
    }
    connection.send(cmd.frame, cmd, cmd.durable);
  }

  /** Handles an error reply that is a redirect or a retry signal; false when it goes to the client. */
  handleErrorReply(cmd: RoutedCommand, frame: Buffer, connection: NodeConnection): boolean {
    const redirect = parseRedirect(frame, connection.node.host);
    if (!redirect) return false;
    if (redirect.kind === 'moved') {
      this.stats.moved++;
      if (++cmd.attempts > this.options.maxRedirects || cmd.fixedNode) return false;
      this.topology.applyMoved(redirect.slot, redirect.node);
      this.topology.requestRefresh('MOVED');
      this.send(cmd);
      return true;
    }
    if (redirect.kind === 'ask') {
      this.stats.ask++;
      if (++cmd.attempts > this.options.maxRedirects) return false;
      cmd.askNode = redirect.node;
      this.send(cmd);
      return true;
    }
    this.stats.tryAgain++;
    if (redirect.reason === 'CLUSTERDOWN' || redirect.reason === 'MASTERDOWN') {
      this.topology.requestRefresh(redirect.reason);
    }
    return this.retry(cmd);
  }

  /**
   * A connection failed with the command queued or in flight. A command that never left the gateway,
   * or a read-only one, is retried (after a topology refresh, within the retry budget); a write that
   * may have been applied is never sent twice: the client gets an error saying so.
   */
  handleConnectionFailure(cmd: RoutedCommand, error: BackendConnectionError, written: boolean): void {
    this.stats.connectionFailures++;
    if (cmd.sentToReplica) cmd.replicaFailed = true;
    this.topology.requestRefresh('connection error');
    if (written && !cmd.readOnly) {
      cmd.deliver(
        encodeError(
          `ERR connection to ${error.node} lost after the command was sent; it may or may not have been applied`,
        ),
      );
      return;
    }
    if (!this.retry(cmd)) cmd.deliver(encodeError(`CLUSTERDOWN ${error.message}`));
  }

  private retryOrFail(cmd: RoutedCommand, message: string): void {
    this.topology.requestRefresh(message);
    if (!this.retry(cmd)) cmd.deliver(encodeError(message));
  }

  /**
   * Schedules a resend after exponential backoff with jitter, if the command still has retries and
   * time left in its budget (maxRetries, retryTimeoutMs from its first retry); false when it has not.
   */
  private retry(cmd: RoutedCommand): boolean {
    const now = Date.now();
    if (cmd.retries === 0) cmd.retryStartedAt = now;
    if (cmd.retries >= this.options.maxRetries) return false;
    const base = this.options.retryDelayMs * 2 ** Math.min(cmd.retries, 10);
    const delay = Math.min(base, 1000) * (0.5 + Math.random() / 2);
    if (now + delay - cmd.retryStartedAt > this.options.retryTimeoutMs) return false;
    cmd.retries++;
    this.stats.retries++;
    setTimeout(() => this.send(cmd), delay);
    return true;
  }
}

export { BackendConnectionError };
