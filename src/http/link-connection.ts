// One internal RESP2 connection from the HTTP layer to the gateway's own listener. Requests are
// pipelined: a batch of commands is one socket write and one pending entry, answered in order. In
// stream mode (pub/sub) every frame goes to the stream handler instead of a pending request.

import net from 'node:net';
import tls from 'node:tls';
import { ProtocolError } from '../protocol/protocol-error.js';
import { ReplyReader } from '../protocol/reply-reader.js';
import { encodeCommand } from '../protocol/resp-encoder.js';
import { decodeFrame } from '../protocol/resp-scanner.js';
import { errorText, isErrorValue, type RespValue } from '../protocol/resp-value.js';

export type CommandArg = string | Buffer | number;

/** Where the gateway listens and how to log in to it. */
export interface LinkTarget {
  host: string;
  port: number;
  /** Connect over this Unix socket instead of host:port. */
  path?: string;
  /** The gateway's listener itself speaks TLS. */
  tls?: boolean;
  username?: string;
  password?: string;
  connectTimeoutMs: number;
}

/** The internal link to the gateway failed (connect, auth, lost connection); not a Redis error reply. */
export class LinkError extends Error {
  override readonly name = 'LinkError';
}

interface Pending {
  /** Replies still expected for this entry. */
  remaining: number;
  readonly replies: RespValue[];
  resolve(replies: RespValue[]): void;
  reject(err: Error): void;
}

export class LinkConnection {
  private readonly reader = new ReplyReader();
  private readonly pending: Pending[] = [];
  private closed = false;
  private closeError: Error | null = null;
  private streamHandler: ((frame: RespValue) => void) | null = null;
  private readonly closeListeners: Array<(err: Error) => void> = [];

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new LinkError(`gateway link: ${err.message}`)));
    socket.on('close', () => this.fail(new LinkError('gateway link closed')));
  }

  /** Connects and logs in (AUTH) when the target has credentials. */
  static open(target: LinkTarget): Promise<LinkConnection> {
    return new Promise((resolve, reject) => {
      const where = target.path ?? `${target.host}:${target.port}`;
      const socket = target.path
        ? net.connect({ path: target.path })
        : target.tls
          ? // Our own listener on loopback: its certificate names the public host, not 127.0.0.1.
            tls.connect({ host: target.host, port: target.port, rejectUnauthorized: false })
          : net.connect({ host: target.host, port: target.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new LinkError(`gateway link: connect to ${where} timed out after ${target.connectTimeoutMs} ms`),
        );
      }, target.connectTimeoutMs);
      const onError = (err: Error) => {
        clearTimeout(timer);
        reject(new LinkError(`gateway link: connect to ${where}: ${err.message}`));
      };
      socket.once('error', onError);
      socket.once(target.tls && !target.path ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        const conn = new LinkConnection(socket);
        if (!target.password) {
          resolve(conn);
          return;
        }
        const auth = target.username ? ['AUTH', target.username, target.password] : ['AUTH', target.password];
        conn.send(auth).then(
          (reply) => {
            if (!isErrorValue(reply)) {
              resolve(conn);
              return;
            }
            conn.close();
            reject(new LinkError(`gateway link: AUTH refused: ${errorText(reply)}`));
          },
          (err: Error) => reject(err),
        );
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Requests sent and not yet answered, a measure of how busy the connection is. */
  get inFlight(): number {
    return this.pending.length;
  }

  /** Sends one command; resolves with its reply, error replies included. */
  send(args: readonly CommandArg[]): Promise<RespValue> {
    return this.sendBatch([args]).then((replies) => replies[0]!);
  }

  /** Sends commands in one write; resolves with their replies in order. */
  sendBatch(commands: ReadonlyArray<readonly CommandArg[]>): Promise<RespValue[]> {
    if (this.closed) return Promise.reject(this.closeError ?? new LinkError('gateway link closed'));
    return new Promise<RespValue[]>((resolve, reject) => {
      this.pending.push({ remaining: commands.length, replies: [], resolve, reject });
      this.socket.write(
        commands.length === 1 ? encodeCommand(commands[0]!) : Buffer.concat(commands.map(encodeCommand)),
      );
    });
  }

  /** Writes commands whose answers arrive through the stream handler (pub/sub). */
  write(commands: ReadonlyArray<readonly CommandArg[]>): void {
    if (this.closed) return;
    this.socket.write(Buffer.concat(commands.map(encodeCommand)));
  }

  /** From now on every incoming frame goes to `handler` (pub/sub mode); pending requests are answered first. */
  stream(handler: (frame: RespValue) => void): void {
    this.streamHandler = handler;
  }

  onClose(listener: (err: Error) => void): void {
    if (this.closed) listener(this.closeError ?? new LinkError('gateway link closed'));
    else this.closeListeners.push(listener);
  }

  close(): void {
    this.fail(new LinkError('gateway link closed by the HTTP layer'));
  }

  private onData(chunk: Buffer): void {
    this.reader.push(chunk);
    try {
      for (let frame = this.reader.next(); frame !== null; frame = this.reader.next()) {
        const value = decodeFrame(frame);
        const head = this.pending[0];
        if (head) {
          head.replies.push(value);
          if (--head.remaining === 0) {
            this.pending.shift();
            head.resolve(head.replies);
          }
        } else if (this.streamHandler) {
          this.streamHandler(value);
        }
      }
    } catch (err) {
      this.fail(new LinkError(`gateway link: ${err instanceof ProtocolError ? err.message : String(err)}`));
    }
  }

  private fail(err: Error): void {
    if (!this.closed) {
      this.closed = true;
      this.closeError = err;
      this.socket.destroy();
      for (const listener of this.closeListeners.splice(0)) listener(err);
    }
    for (let p = this.pending.shift(); p; p = this.pending.shift()) p.reject(err);
  }
}
