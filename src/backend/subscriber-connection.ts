// A backend connection in subscribe mode, owned by one client session. Unlike NodeConnection it has
// no request/reply pairing: every frame that arrives (messages, subscribe confirmations, pongs) goes
// to the listener, which tells messages from confirmations.

import net from 'node:net';
import tls from 'node:tls';
import { ReplyReader } from '../protocol/reply-reader.js';
import type { NodeAddress } from '../topology/slot-map.js';
import type { BackendConnectOptions } from './connect-options.js';
import { enqueueWrite, WriteQueue } from './write-batcher.js';

export interface SubscriberListener {
  onFrame(frame: Buffer, connection: SubscriberConnection): void;
  onClose(connection: SubscriberConnection, error: Error | null): void;
}

export class SubscriberConnection {
  private readonly socket: net.Socket;
  private readonly out: WriteQueue;
  private readonly reader = new ReplyReader();
  private closed = false;
  private connectTimer: NodeJS.Timeout | null;
  /** Frames whose replies are connection set-up (AUTH, HELLO) and must not reach the listener. */
  private preambleReplies: number;

  constructor(
    readonly node: NodeAddress,
    options: BackendConnectOptions,
    preamble: Buffer[],
    private readonly listener: SubscriberListener,
  ) {
    const { host, port } = node;
    this.socket = options.tls
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...options.tls })
      : net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, 10_000);
    this.out = new WriteQueue(this.socket);
    // An unreachable node must fail the connection (and start the owner's repair), not hang it.
    this.connectTimer = setTimeout(
      () => this.close(new Error(`connect to ${node.key} timed out after ${options.connectTimeoutMs} ms`)),
      options.connectTimeoutMs,
    );
    this.socket.once(options.tls ? 'secureConnect' : 'connect', () => this.stopConnectTimer());
    this.preambleReplies = preamble.length;
    for (const frame of preamble) enqueueWrite(this.out, frame);
    this.socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      try {
        for (let frame = this.reader.next(); frame !== null; frame = this.reader.next()) {
          if (this.preambleReplies > 0) {
            this.preambleReplies--;
            if (frame[0] === 0x2d)
              this.close(new Error(`${node.key} refused the connection: ${frame.toString().trim()}`));
            continue;
          }
          this.listener.onFrame(frame, this);
        }
      } catch (err) {
        this.close(err as Error);
      }
    });
    this.socket.on('error', (err) => this.close(err));
    this.socket.on('close', () => this.close(new Error(`subscriber connection to ${node.key} closed`)));
  }

  send(frame: Buffer): void {
    if (!this.closed) enqueueWrite(this.out, frame);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Closes the connection; `error` null means the owner closed it on purpose. */
  close(error: Error | null = null): void {
    if (this.closed) return;
    this.closed = true;
    this.stopConnectTimer();
    this.socket.destroy();
    this.listener.onClose(this, error);
  }

  private stopConnectTimer(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }
}
