// One multiplexed connection to one backend node. Commands from many clients are queued in order;
// replies come back in the same order, so each reply frame goes to the handler at the head of the
// in-flight queue. Frames are forwarded as byte slices: nothing is decoded here.

import net from 'node:net';
import tls from 'node:tls';
import { ProtocolError } from '../protocol/protocol-error.js';
import { ReplyReader } from '../protocol/reply-reader.js';
import { encodeCommand } from '../protocol/resp-encoder.js';
import type { NodeAddress } from '../topology/slot-map.js';
import type { BackendConnectOptions } from './connect-options.js';
import { onreadOption } from './socket-reads.js';
import { enqueueWrite, WriteQueue } from './write-batcher.js';

/** Receives the reply to one command sent on a NodeConnection. */
export interface ReplyHandler {
  onReply(frame: Buffer, connection: NodeConnection): void;
  /**
   * The connection failed before the reply arrived. `written` is false when the command certainly
   * never left the gateway (safe to send again), true when the node may have executed it.
   */
  onConnectionFailure(error: BackendConnectionError, written: boolean): void;
}

export class BackendConnectionError extends Error {
  override readonly name = 'BackendConnectionError';
  constructor(
    readonly node: string,
    message: string,
  ) {
    super(message);
  }
}

/** Handler that drops its reply: used for ASKING and other gateway-internal preambles. */
export const DISCARD_REPLY: ReplyHandler = {
  onReply() {},
  onConnectionFailure() {},
};

export type ConnectionState = 'connecting' | 'ready' | 'closed';

export interface NodeConnectionEvents {
  onClose(connection: NodeConnection, error: BackendConnectionError | null): void;
}

/** A FIFO of handlers with O(1) push and shift. */
class HandlerQueue {
  private items: Array<ReplyHandler | undefined> = [];
  private head = 0;
  private sentAt: number[] = [];

  get length(): number {
    return this.items.length - this.head;
  }

  push(h: ReplyHandler, now: number): void {
    this.items.push(h);
    this.sentAt.push(now);
  }

  shift(): ReplyHandler | undefined {
    if (this.head >= this.items.length) return undefined;
    const h = this.items[this.head];
    this.items[this.head] = undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.sentAt = this.sentAt.slice(this.head);
      this.head = 0;
    }
    return h;
  }

  oldestSentAt(): number | undefined {
    return this.head < this.items.length ? this.sentAt[this.head] : undefined;
  }

  drain(): ReplyHandler[] {
    const rest = this.items.slice(this.head) as ReplyHandler[];
    this.items = [];
    this.sentAt = [];
    this.head = 0;
    return rest;
  }
}

export class NodeConnection {
  state: ConnectionState = 'connecting';
  private readonly socket: net.Socket;
  private readonly out: WriteQueue;
  private readonly reader = new ReplyReader();
  /** Handlers whose commands were handed to the socket, oldest first. */
  private readonly inflight = new HandlerQueue();
  /** Commands queued while the connection is still being established. */
  private pendingFrames: Buffer[] = [];
  private pendingHandlers: ReplyHandler[] = [];
  private pendingDurable: boolean[] = [];
  /** Durable-write mode: the WAIT sent after each batch of writes, and the writes of this batch. */
  private readonly waitFrame: Buffer | null;
  private readonly waitReplicas: number;
  private batch: HeldReply[] = [];
  private waitInFlight = false;
  private connectTimer: NodeJS.Timeout | null;
  lastUsed = Date.now();
  /** When the node last sent bytes: a connection streaming a large reply is busy, not hung. */
  private lastDataAt = 0;

  constructor(
    readonly node: NodeAddress,
    options: BackendConnectOptions,
    private readonly events: NodeConnectionEvents,
    /** Frames sent first on connect (AUTH, HELLO, READONLY), their replies checked. */
    preamble: Buffer[] = [],
    /** Whether large reads go straight into slabs of this connection's own (shared connections only). */
    slabs = true,
  ) {
    const { host, port } = node;
    const onread = onreadOption((chunk) => this.onData(chunk), { slabs });
    this.socket = options.tls
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...options.tls })
      : net.connect({ host, port, onread });
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, 10_000);
    this.out = new WriteQueue(this.socket);
    const durability = options.durability;
    this.waitReplicas = durability?.replicas ?? 0;
    this.waitFrame =
      durability && durability.replicas > 0
        ? encodeCommand(
            durability.aof
              ? ['WAITAOF', 0, durability.replicas, durability.timeoutMs]
              : ['WAIT', durability.replicas, durability.timeoutMs],
          )
        : null;
    if (this.waitFrame) this.out.beforeFlush = () => this.closeBatch();
    this.connectTimer = setTimeout(() => {
      this.destroy(
        new BackendConnectionError(
          node.key,
          `connect to ${node.key} timed out after ${options.connectTimeoutMs} ms`,
        ),
      );
    }, options.connectTimeoutMs);
    this.socket.once(options.tls ? 'secureConnect' : 'connect', () => this.onConnect(preamble));
    if (options.tls) this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) =>
      this.destroy(new BackendConnectionError(node.key, `${node.key}: ${err.message}`)),
    );
    this.socket.on('close', () =>
      this.destroy(new BackendConnectionError(node.key, `connection to ${node.key} closed`)),
    );
  }

  /**
   * Queues one command frame; its reply (or failure) goes to `handler`. A `durable` write's reply is
   * held until the WAIT that closes its batch confirms it (durable-write mode only).
   */
  send(frame: Buffer, handler: ReplyHandler, durable = false): void {
    if (this.state === 'ready') {
      if (durable && this.waitFrame) {
        const held = new HeldReply(handler);
        this.batch.push(held);
        handler = held;
      }
      this.inflight.push(handler, Date.now());
      enqueueWrite(this.out, frame);
    } else if (this.state === 'connecting') {
      this.pendingFrames.push(frame);
      this.pendingHandlers.push(handler);
      this.pendingDurable.push(durable);
    } else {
      handler.onConnectionFailure(
        new BackendConnectionError(this.node.key, `connection to ${this.node.key} is closed`),
        false,
      );
    }
  }

  /** Commands awaiting a reply (or a connection). */
  get outstanding(): number {
    return this.inflight.length + this.pendingHandlers.length;
  }

  /**
   * Milliseconds the connection has made no progress with commands in flight: since the oldest was
   * sent or since the node last sent bytes, whichever is later; 0 when nothing is in flight. Judging
   * progress rather than the oldest command's age keeps one client's huge replies (a pipeline of
   * 1 MB GETs) from getting a shared connection, and every other client's commands on it, killed.
   */
  oldestWaitMs(now: number): number {
    const t = this.inflight.oldestSentAt();
    return t === undefined ? 0 : now - Math.max(t, this.lastDataAt);
  }

  close(): void {
    this.destroy(null);
  }

  private onConnect(preamble: Buffer[]): void {
    if (this.state !== 'connecting') return;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    for (const frame of preamble) {
      this.inflight.push(new PreambleCheck(this), Date.now());
      enqueueWrite(this.out, frame);
    }
    this.state = 'ready';
    const frames = this.pendingFrames;
    const handlers = this.pendingHandlers;
    const durable = this.pendingDurable;
    this.pendingFrames = [];
    this.pendingHandlers = [];
    this.pendingDurable = [];
    for (let i = 0; i < frames.length; i++) this.send(frames[i]!, handlers[i]!, durable[i]);
  }

  /**
   * Ends a batch that contained durable writes with one WAIT on this same connection. While a WAIT is
   * still unanswered, batches are not closed: their writes join the next WAIT, sent when that one
   * answers (waitAnswered). A WAIT blocks the connection in the server until replicas confirm or its
   * timeout passes, so one WAIT per flush would queue up: with a shard's replica gone, N batches
   * would cost N timeouts in a row. One at a time, a write waits for at most two.
   */
  private closeBatch(): void {
    if (this.batch.length === 0 || this.state !== 'ready' || this.waitInFlight) return;
    this.inflight.push(new DurabilityCheck(this.batch, this.waitReplicas, this), Date.now());
    this.out.append(this.waitFrame!);
    this.batch = [];
    this.waitInFlight = true;
  }

  /** The WAIT in flight answered: the writes sent while it blocked the connection get theirs now. */
  waitAnswered(): void {
    this.waitInFlight = false;
    if (this.batch.length === 0 || this.state !== 'ready') return;
    this.inflight.push(new DurabilityCheck(this.batch, this.waitReplicas, this), Date.now());
    enqueueWrite(this.out, this.waitFrame!);
    this.batch = [];
    this.waitInFlight = true;
  }

  /** Sends PING when the connection has been idle, so a dead node is noticed without traffic. */
  healthCheck(now: number, idleMs: number): void {
    if (this.state === 'ready' && this.outstanding === 0 && now - this.lastUsed >= idleMs) {
      this.lastUsed = now;
      this.send(PING, DISCARD_REPLY);
    }
  }

  private onData(chunk: Buffer): void {
    this.reader.push(chunk);
    this.lastUsed = Date.now();
    this.lastDataAt = this.lastUsed;
    try {
      for (let frame = this.reader.next(); frame !== null; frame = this.reader.next()) {
        const handler = this.inflight.shift();
        if (handler) handler.onReply(frame, this);
        // A frame with no handler is a RESP3 push or a protocol desync; drop it.
      }
      this.reader.releaseIfConsumed();
    } catch (err) {
      const detail = err instanceof ProtocolError ? err.message : String(err);
      this.destroy(new BackendConnectionError(this.node.key, `bad reply from ${this.node.key}: ${detail}`));
    }
  }

  /** Fails the connection: queued-but-unsent commands are reported as not written. */
  destroy(error: BackendConnectionError | null): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.socket.destroy();
    const err =
      error ??
      new BackendConnectionError(this.node.key, `connection to ${this.node.key} closed by the gateway`);
    const pending = this.pendingHandlers;
    this.pendingHandlers = [];
    this.pendingFrames = [];
    this.pendingDurable = [];
    this.batch = [];
    for (const h of this.inflight.drain()) h.onConnectionFailure(err, true);
    for (const h of pending) h.onConnectionFailure(err, false);
    this.events.onClose(this, error);
  }
}

const PING = encodeCommand(['PING']);

/** A durable write's reply, held until the batch's WAIT answers. */
class HeldReply implements ReplyHandler {
  frame: Buffer | null = null;
  connection: NodeConnection | null = null;
  constructor(readonly handler: ReplyHandler) {}
  onReply(frame: Buffer, connection: NodeConnection): void {
    this.frame = frame;
    this.connection = connection;
  }
  onConnectionFailure(error: BackendConnectionError, written: boolean): void {
    this.handler.onConnectionFailure(error, written);
  }
}

/**
 * The WAIT (or WAITAOF) closing a batch of durable writes: enough replicas confirmed → the held
 * replies are released; otherwise each write that succeeded is answered NOREPLICAS instead, since it
 * is applied on the primary but could be lost on failover. Error replies (MOVED, WRONGTYPE) pass as
 * they are.
 */
class DurabilityCheck implements ReplyHandler {
  constructor(
    private readonly held: HeldReply[],
    private readonly required: number,
    private readonly connection: NodeConnection,
  ) {}

  onReply(frame: Buffer): void {
    this.connection.waitAnswered();
    const confirmed = confirmedReplicas(frame);
    const ok = confirmed >= this.required;
    const refusal = ok
      ? null
      : Buffer.from(
          frame[0] === 0x2d
            ? `-NOREPLICAS write applied on the primary but not confirmed by replicas: ${frame.toString('utf8', 1, frame.length - 2)}\r\n`
            : `-NOREPLICAS write applied on the primary but confirmed by ${confirmed} of ${this.required} required replicas in time; it may be lost on failover\r\n`,
        );
    for (const h of this.held) {
      const reply = h.frame!;
      h.handler.onReply(refusal && reply[0] !== 0x2d ? refusal : reply, h.connection!);
    }
  }

  onConnectionFailure(error: BackendConnectionError): void {
    // The writes were applied (their replies arrived) but their replication is unknown.
    for (const h of this.held) if (h.frame) h.handler.onConnectionFailure(error, true);
  }
}

/** Replicas confirmed by a WAIT (integer) or WAITAOF ([local, replicas]) reply; -1 for an error. */
function confirmedReplicas(frame: Buffer): number {
  if (frame[0] === 0x3a) return Number(frame.toString('latin1', 1, frame.length - 2));
  if (frame[0] === 0x2a) {
    const text = frame.toString('latin1');
    const numbers = text.match(/:(-?\d+)\r\n/g) ?? [];
    return numbers.length === 2 ? Number(numbers[1]!.slice(1, -2)) : -1;
  }
  return -1;
}

/** Checks the reply to a connection preamble command; an error reply (bad AUTH) kills the connection. */
class PreambleCheck implements ReplyHandler {
  constructor(private readonly connection: NodeConnection) {}
  onReply(frame: Buffer): void {
    if (frame[0] === 0x2d) {
      const text = frame.toString('utf8', 1, frame.length - 2);
      this.connection.destroy(
        new BackendConnectionError(
          this.connection.node.key,
          `${this.connection.node.key} refused the connection: ${text}`,
        ),
      );
    }
  }
  onConnectionFailure(): void {}
}
