// A client's pub/sub state. Classic channels and patterns live on one subscriber connection to any
// primary (PUBLISH reaches every node of a cluster); sharded channels live on a connection to the
// owner of the channel's slot. The gateway tracks the subscription sets itself, so confirmations
// carry the counts a single Redis would report, and subscriptions are re-established on another
// node after a failure or a slot move.

import { SubscriberConnection, type SubscriberListener } from '../backend/subscriber-connection.js';
import { aggregateElements } from '../protocol/frame-slices.js';
import { encodeCommand, encodeValue } from '../protocol/resp-encoder.js';
import { decodeFrame } from '../protocol/resp-scanner.js';
import type { RespValue } from '../protocol/resp-value.js';
import { slotOfBytes } from '../topology/slot-hash.js';
import type { NodeAddress, SlotMap } from '../topology/slot-map.js';
import { parseRedirect } from './redirects.js';
import type { QueuedReply } from './reply-queue.js';
import type { Router } from './router.js';

export type SubscriptionKind = 'channel' | 'pattern' | 'shard';

const SUBSCRIBE: Record<SubscriptionKind, string> = {
  channel: 'SUBSCRIBE',
  pattern: 'PSUBSCRIBE',
  shard: 'SSUBSCRIBE',
};
const UNSUBSCRIBE: Record<SubscriptionKind, string> = {
  channel: 'UNSUBSCRIBE',
  pattern: 'PUNSUBSCRIBE',
  shard: 'SUNSUBSCRIBE',
};
const CONFIRM: Record<SubscriptionKind, string> = {
  channel: 'subscribe',
  pattern: 'psubscribe',
  shard: 'ssubscribe',
};
const MESSAGE_KINDS = new Set(['message', 'pmessage', 'smessage']);

/** What the subscription manager needs from its client session. */
export interface SubscriberSession {
  readonly id: number;
  readonly protocol: 2 | 3;
  /** Writes a frame to the client in order with its pending replies. */
  push(frame: Buffer): void;
  complete(entry: QueuedReply, reply: Buffer): void;
}

/** A SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE waiting for the backend to confirm every name. */
class SubscribeRequest implements QueuedReply {
  next: QueuedReply | null = null;
  reply: Buffer | null = null;
  constructor(
    private readonly session: SubscriberSession,
    private readonly frames: Buffer,
    public remaining: number,
  ) {}
  confirm(): void {
    if (--this.remaining === 0) this.session.complete(this, this.frames);
  }
}

export class Subscriptions implements SubscriberListener {
  private readonly sets: Record<SubscriptionKind, Map<string, Buffer>> = {
    channel: new Map(),
    pattern: new Map(),
    shard: new Map(),
  };
  private classic: SubscriberConnection | null = null;
  private readonly shardConnections = new Map<string, SubscriberConnection>();
  /** Node key each sharded channel is subscribed on. */
  private readonly shardNode = new Map<string, string>();
  /** Requests waiting for confirmation, per `confirm-kind:name`, oldest first. */
  private readonly waiters = new Map<string, SubscribeRequest[]>();
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Node whose classic subscriber connection failed last: avoided while another primary is known. */
  private failedNode: string | null = null;

  constructor(
    private readonly session: SubscriberSession,
    private readonly router: Router,
    private readonly onEmpty: (s: Subscriptions) => void,
  ) {}

  /** Subscriptions of every kind; a RESP2 client with any is in subscribe mode. */
  get total(): number {
    return this.sets.channel.size + this.sets.pattern.size + this.sets.shard.size;
  }

  /** Subscriptions of one kind, for CLIENT LIST. */
  count(kind: SubscriptionKind): number {
    return this.sets[kind].size;
  }

  /** UNSUBSCRIBE with nothing subscribed: one confirmation with a null name and count 0. */
  static emptyUnsubscribe(kind: SubscriptionKind, protocol: 2 | 3): Buffer {
    return encodeValue(
      {
        type: 'push',
        value: [
          { type: 'bulk', value: Buffer.from(UNSUBSCRIBE[kind].toLowerCase()) },
          { type: 'null', form: 'bulk' },
          { type: 'integer', value: 0 },
        ],
      },
      protocol,
    );
  }

  subscribe(kind: SubscriptionKind, names: readonly Buffer[]): QueuedReply {
    const set = this.sets[kind];
    const frames: Buffer[] = [];
    for (const name of names) {
      set.set(name.toString('latin1'), name);
      frames.push(this.confirmation(CONFIRM[kind], name, this.countFor(kind)));
    }
    const request = new SubscribeRequest(this.session, Buffer.concat(frames), names.length);
    for (const name of names) {
      const key = `${CONFIRM[kind]}:${name.toString('latin1')}`;
      const list = this.waiters.get(key);
      if (list) list.push(request);
      else this.waiters.set(key, [request]);
    }
    const frame = encodeCommand([SUBSCRIBE[kind], ...names]);
    if (kind === 'shard') this.shardConnectionFor(names[0]!)?.send(frame);
    else this.classicConnection()?.send(frame);
    return request;
  }

  /** Unsubscribes (all of a kind when `names` is empty); the confirmations are built here at once. */
  unsubscribe(kind: SubscriptionKind, names: readonly Buffer[]): Buffer {
    const set = this.sets[kind];
    const targets = names.length > 0 ? names : [...set.values()];
    const confirmWord = UNSUBSCRIBE[kind].toLowerCase();
    if (targets.length === 0) return this.confirmation(confirmWord, null, this.countFor(kind));
    const frames: Buffer[] = [];
    const byConnection = new Map<SubscriberConnection, Buffer[]>();
    for (const name of targets) {
      const key = name.toString('latin1');
      const had = set.delete(key);
      frames.push(this.confirmation(confirmWord, name, this.countFor(kind)));
      if (!had) continue;
      const connection =
        kind === 'shard' ? this.shardConnections.get(this.shardNode.get(key) ?? '') : this.classic;
      if (kind === 'shard') this.shardNode.delete(key);
      if (connection?.isOpen) {
        const list = byConnection.get(connection);
        if (list) list.push(name);
        else byConnection.set(connection, [name]);
      }
    }
    for (const [connection, list] of byConnection)
      connection.send(encodeCommand([UNSUBSCRIBE[kind], ...list]));
    this.closeIdleConnections();
    return Buffer.concat(frames);
  }

  onFrame(frame: Buffer, connection: SubscriberConnection): void {
    if (frame[0] === 0x2d) {
      this.refused(frame, connection);
      return;
    }
    const parts = aggregateElements(frame);
    const first = parts?.[0];
    if (!parts || !first) return;
    const head = decodeFrame(first);
    const word = head.type === 'bulk' || head.type === 'simple' ? head.value.toString().toLowerCase() : '';
    const nameValue = parts[1] ? decodeFrame(parts[1]) : undefined;
    const name = nameValue?.type === 'bulk' ? nameValue.value.toString('latin1') : '';
    if (MESSAGE_KINDS.has(word)) {
      // The client's UNSUBSCRIBE was confirmed at once, while the node may still have had messages
      // on the way: like Redis, nothing arrives after the confirmation (a RESP2 client would take it
      // for the reply to its next command).
      const set =
        word === 'message' ? this.sets.channel : word === 'pmessage' ? this.sets.pattern : this.sets.shard;
      if (set.has(name)) this.session.push(inProtocol(frame, this.session.protocol));
      return;
    }
    if (word === 'subscribe' || word === 'psubscribe' || word === 'ssubscribe') {
      const key = `${word}:${name}`;
      const list = this.waiters.get(key);
      const request = list?.shift();
      if (list && list.length === 0) this.waiters.delete(key);
      request?.confirm();
      return;
    }
    if (
      word === 'sunsubscribe' &&
      this.sets.shard.has(name) &&
      this.shardNode.get(name) === connection.node.key
    ) {
      // The server dropped a sharded subscription on its own: the slot moved. Follow it.
      this.shardNode.delete(name);
      this.router.topology.requestRefresh('sunsubscribe');
      this.scheduleRepair();
    }
  }

  /**
   * A (S)SUBSCRIBE was refused. MOVED (the gateway's slot map was behind the cluster's) or a cluster
   * that is down for the moment: the sharded channels of that connection are subscribed again once
   * the map is refreshed, so the client's pending SSUBSCRIBE is still confirmed.
   */
  private refused(frame: Buffer, connection: SubscriberConnection): void {
    const redirect = parseRedirect(frame, connection.node.host);
    if (!redirect || this.closed) return;
    if (redirect.kind === 'moved') this.router.topology.applyMoved(redirect.slot, redirect.node);
    this.router.topology.requestRefresh('subscribe refused');
    for (const [name, node] of this.shardNode) {
      if (node !== connection.node.key) continue;
      if (redirect.kind === 'retry' || slotOfBytes(Buffer.from(name, 'latin1')) === redirect.slot) {
        this.shardNode.delete(name);
      }
    }
    this.scheduleRepair();
  }

  onClose(connection: SubscriberConnection, error: Error | null): void {
    if (connection === this.classic) {
      this.classic = null;
      if (error) this.failedNode = connection.node.key;
    } else if (this.shardConnections.get(connection.node.key) === connection) {
      this.shardConnections.delete(connection.node.key);
      for (const [name, node] of this.shardNode)
        if (node === connection.node.key) this.shardNode.delete(name);
    }
    if (error && !this.closed && this.total > 0) {
      this.router.topology.requestRefresh('subscriber connection lost');
      this.scheduleRepair();
    }
  }

  /** After a topology change: sharded channels whose slot moved follow it. */
  topologyChanged(map: SlotMap): void {
    let moved = false;
    for (const [name, nodeKey] of this.shardNode) {
      const owner = map.primaryOf(slotOfBytes(Buffer.from(name, 'latin1')));
      if (owner && owner.key !== nodeKey) {
        this.shardConnections
          .get(nodeKey)
          ?.send(encodeCommand(['SUNSUBSCRIBE', Buffer.from(name, 'latin1')]));
        this.shardNode.delete(name);
        moved = true;
      }
    }
    if (moved) {
      this.repair();
      this.closeIdleConnections();
    }
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.classic?.close();
    for (const c of this.shardConnections.values()) c.close();
    this.shardConnections.clear();
  }

  private countFor(kind: SubscriptionKind): number {
    return kind === 'shard' ? this.sets.shard.size : this.sets.channel.size + this.sets.pattern.size;
  }

  private confirmation(word: string, name: Buffer | null, count: number): Buffer {
    const items: RespValue[] = [
      { type: 'bulk', value: Buffer.from(word) },
      name ? { type: 'bulk', value: name } : { type: 'null', form: 'bulk' },
      { type: 'integer', value: count },
    ];
    return encodeValue({ type: 'push', value: items }, this.session.protocol);
  }

  private open(node: NodeAddress): SubscriberConnection {
    const pool = this.router.pool;
    return new SubscriberConnection(
      node,
      pool.options,
      pool.preamble(this.session.protocol, 'primary'),
      this,
    );
  }

  private classicConnection(): SubscriberConnection | null {
    if (this.classic?.isOpen) return this.classic;
    const primaries = this.router.map.primaries();
    if (primaries.length === 0) {
      this.scheduleRepair();
      return null;
    }
    // PUBLISH reaches every node, so any primary will do: after a failure, rather one that did not
    // just fail (the slot map still lists a dead primary until the failover is over).
    let node = primaries[this.session.id % primaries.length]!;
    if (node.key === this.failedNode && primaries.length > 1) {
      node = primaries[(this.session.id + 1) % primaries.length]!;
    }
    this.classic = this.open(node);
    return this.classic;
  }

  private shardConnectionFor(channel: Buffer): SubscriberConnection | null {
    const owner = this.router.map.primaryOf(slotOfBytes(channel));
    if (!owner) {
      this.scheduleRepair();
      return null;
    }
    let connection = this.shardConnections.get(owner.key);
    if (!connection?.isOpen) {
      connection = this.open(owner);
      this.shardConnections.set(owner.key, connection);
    }
    this.shardNode.set(channel.toString('latin1'), owner.key);
    return connection;
  }

  private scheduleRepair(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.repair();
    }, this.router.options.retryDelayMs);
  }

  /** Re-subscribes whatever is not currently subscribed on a live connection. */
  private repair(): void {
    if (this.closed) return;
    const { channel, pattern, shard } = this.sets;
    if ((channel.size > 0 || pattern.size > 0) && !this.classic?.isOpen) {
      const c = this.classicConnection();
      if (c && channel.size > 0) c.send(encodeCommand(['SUBSCRIBE', ...channel.values()]));
      if (c && pattern.size > 0) c.send(encodeCommand(['PSUBSCRIBE', ...pattern.values()]));
    }
    for (const [key, name] of shard) {
      if (this.shardNode.has(key)) continue;
      this.shardConnectionFor(name)?.send(encodeCommand(['SSUBSCRIBE', name]));
    }
  }

  private closeIdleConnections(): void {
    if (this.sets.channel.size === 0 && this.sets.pattern.size === 0 && this.classic) {
      const c = this.classic;
      this.classic = null;
      c.close();
    }
    const used = new Set(this.shardNode.values());
    for (const [key, c] of this.shardConnections) {
      if (!used.has(key)) {
        this.shardConnections.delete(key);
        c.close();
      }
    }
    if (this.total === 0) this.onEmpty(this);
  }
}

/**
 * A message frame in the client's protocol. The subscriber connection speaks the protocol the client
 * had when it was opened, and a RESP3 client may switch to RESP2 with HELLO while subscribed; a
 * message's elements are bulk strings either way, so only the aggregate's type byte differs.
 */
function inProtocol(frame: Buffer, protocol: 2 | 3): Buffer {
  const want = protocol === 3 ? 0x3e : 0x2a;
  if (frame[0] === want) return frame;
  const converted = Buffer.from(frame);
  converted[0] = want;
  return converted;
}
