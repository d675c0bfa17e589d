// One multiplexed connection to one backend node. Commands from many clients are queued in order;
// replies come back in the same order, so each reply frame goes to the handler at the head of the
// in-flight queue. Frames are forwarded as byte slices: nothing is decoded here.

import net from 'node:net';
import tls from 'node:tls';
import { ProtocolError } from '../protocol/protocol-error.js';
import { ReplyReader } from '../protocol/reply-reader.js';
import type { NodeAddress } from '../topology/slot-map.js';
import type { BackendConnectOptions } from './connect-options.js';
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
  private connectTimer: NodeJS.Timeout | null;
  lastUsed = Date.now();

  constructor(
    readonly node: NodeAddress,
    options: BackendConnectOptions,
    private readonly events: NodeConnectionEvents,
    /** Frames sent first on connect (AUTH, HELLO, READONLY), their replies checked. */
    preamble: Buffer[] = [],
  ) {
    const { host, port } = node;
    this.socket = options.tls
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...options.tls })
      : net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, 10_000);
    this.out = new WriteQueue(this.socket);
    this.connectTimer = setTimeout(() => {
      this.destroy(
        new BackendConnectionError(
          node.key,
          `connect to ${node.key} timed out after ${options.connectTimeoutMs} ms`,
        ),
      );
    }, options.connectTimeoutMs);
    this.socket.once(options.tls ? 'secureConnect' : 'connect', () => this.onConnect(preamble));
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) =>
      this.destroy(new BackendConnectionError(node.key, `${node.key}: ${err.message}`)),
    );
    this.socket.on('close', () =>
      this.destroy(new BackendConnectionError(node.key, `connection to ${node.key} closed`)),
    );
  }

  /** Queues one command frame; its reply (or failure) goes to `handler`. */
  send(frame: Buffer, handler: ReplyHandler): void {
    if (this.state === 'ready') {
      this.inflight.push(handler, Date.now());
      enqueueWrite(this.out, frame);
    } else if (this.state === 'connecting') {
      this.pendingFrames.push(frame);
      this.pendingHandlers.push(handler);
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

  /** Milliseconds the oldest in-flight command has waited, 0 when none. */
  oldestWaitMs(now: number): number {
    const t = this.inflight.oldestSentAt();
    return t === undefined ? 0 : now - t;
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
    this.pendingFrames = [];
    this.pendingHandlers = [];
    const now = Date.now();
    for (let i = 0; i < frames.length; i++) {
      this.inflight.push(handlers[i]!, now);
      enqueueWrite(this.out, frames[i]!);
    }
  }

  private onData(chunk: Buffer): void {
    this.reader.push(chunk);
    this.lastUsed = Date.now();
    try {
      for (let frame = this.reader.next(); frame !== null; frame = this.reader.next()) {
        const handler = this.inflight.shift();
        if (handler) handler.onReply(frame, this);
        // A frame with no handler is a RESP3 push or a protocol desync; drop it.
      }
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
    for (const h of this.inflight.drain()) h.onConnectionFailure(err, true);
    for (const h of pending) h.onConnectionFailure(err, false);
    this.events.onClose(this, error);
  }
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
