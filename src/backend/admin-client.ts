// A small promise-based RESP client for control-plane work: topology discovery, COMMAND loading,
// the local cluster harness and tests. Not used on the hot path (see NodeConnection for that).

import net from 'node:net';
import tls from 'node:tls';
import { ProtocolError } from '../protocol/protocol-error.js';
import { ReplyReader } from '../protocol/reply-reader.js';
import { encodeCommand } from '../protocol/resp-encoder.js';
import { decodeFrame } from '../protocol/resp-scanner.js';
import { errorText, isErrorValue, type RespValue } from '../protocol/resp-value.js';

export interface AdminClientOptions {
  host: string;
  port: number;
  tls?: tls.ConnectionOptions | boolean;
  username?: string;
  password?: string;
  connectTimeoutMs?: number;
  /** Per-command timeout; 0 disables it. */
  commandTimeoutMs?: number;
}

/** A `-ERR ...` reply from the server, as an exception. */
export class RedisReplyError extends Error {
  override readonly name = 'RedisReplyError';
  /** First word of the reply, e.g. MOVED, WRONGTYPE, ERR. */
  readonly prefix: string;
  constructor(readonly reply: string) {
    super(reply);
    this.prefix = reply.split(' ', 1)[0] ?? '';
  }
}

interface Pending {
  resolve(v: RespValue): void;
  reject(e: Error): void;
}

export type Arg = string | Buffer | number;

export class AdminClient {
  private readonly reader = new ReplyReader();
  private readonly pending: Pending[] = [];
  private closed = false;
  private closeError: Error | null = null;

  private constructor(
    private readonly socket: net.Socket,
    private readonly commandTimeoutMs: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static connect(options: AdminClientOptions): Promise<AdminClient> {
    const { host, port } = options;
    const timeout = options.connectTimeoutMs ?? 2000;
    return new Promise((resolve, reject) => {
      const tlsOptions = options.tls === true ? {} : options.tls || null;
      const socket = tlsOptions
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...tlsOptions })
        : net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out after ${timeout} ms`));
      }, timeout);
      const onError = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      socket.once('error', onError);
      socket.once(tlsOptions ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        const client = new AdminClient(socket, options.commandTimeoutMs ?? 10_000);
        const auth = options.password
          ? client.call(
              ...(options.username
                ? ['AUTH', options.username, options.password]
                : ['AUTH', options.password]),
            )
          : Promise.resolve(null);
        auth.then(
          () => resolve(client),
          (err: Error) => {
            client.close();
            reject(err);
          },
        );
      });
    });
  }

  /** Sends one command; resolves with its reply, rejects with RedisReplyError on an error reply. */
  call(...args: Arg[]): Promise<RespValue> {
    return this.send(args).then((v) => {
      if (isErrorValue(v)) throw new RedisReplyError(errorText(v));
      return v;
    });
  }

  /** Sends one command; resolves with the reply even when it is an error reply. */
  send(args: Arg[]): Promise<RespValue> {
    if (this.closed) return Promise.reject(this.closeError ?? new Error('connection closed'));
    return new Promise<RespValue>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const entry: Pending = {
        resolve: (v) => {
          if (timer) clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          if (timer) clearTimeout(timer);
          reject(e);
        },
      };
      if (this.commandTimeoutMs > 0) {
        timer = setTimeout(() => {
          this.fail(new Error(`command ${String(args[0])} timed out after ${this.commandTimeoutMs} ms`));
        }, this.commandTimeoutMs);
      }
      this.pending.push(entry);
      this.socket.write(encodeCommand(args));
    });
  }

  close(): void {
    if (this.closed) return;
    this.fail(new Error('connection closed by client'));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  private onData(chunk: Buffer): void {
    this.reader.push(chunk);
    try {
      for (let frame = this.reader.next(); frame !== null; frame = this.reader.next()) {
        const value = decodeFrame(frame);
        // RESP3 push frames (pub/sub, invalidations) are not replies to a command.
        if (value.type === 'push') continue;
        this.pending.shift()?.resolve(value);
      }
    } catch (err) {
      this.fail(err instanceof ProtocolError ? err : new Error(String(err)));
    }
  }

  private fail(err: Error): void {
    if (!this.closed) {
      this.closed = true;
      this.closeError = err;
      this.socket.destroy();
    }
    for (let p = this.pending.shift(); p; p = this.pending.shift()) p.reject(err);
  }
}

/** Text of a bulk or simple string reply; throws on anything else. */
export function replyText(v: RespValue): string {
  if (v.type === 'bulk' || v.type === 'verbatim') return v.value.toString('utf8');
  if (v.type === 'simple') return v.value;
  throw new Error(`expected a string reply, got ${v.type}`);
}
