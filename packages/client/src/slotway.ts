// The REST client: typed commands over fetch, auto-pipelined, retried by idempotency. One instance
// per base URL and token; it holds no connection, so it is cheap and safe in serverless code.

import { AutoPipeline } from './auto-pipeline.js';
import { ClusterAdmin } from './cluster-admin.js';
import type { Arg, Command } from './command.js';
import { makeCommand } from './command.js';
import { type ScanOptions, scanArgs } from './commands/keys.js';
import { asScanPage } from './commands/reply-types.js';
import { Commands } from './commands/scripting.js';
import { Pipeline } from './pipeline.js';
import { type FetchLike, RestTransport } from './rest-transport.js';
import { type RetryOptions, retryPolicy } from './retry.js';
import { Script } from './script.js';
import { SlotwaySocket, type SlotwaySocketOptions } from './socket/slotway-socket.js';

export type Encoding = 'base64' | 'none';

export interface SlotwayOptions {
  /** Base URL of the Slotway HTTP API, e.g. `https://slotway.example.com` or `http://127.0.0.1:8080`. */
  url: string;
  /** API token, sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** A fetch implementation; the runtime's global fetch by default. */
  fetch?: FetchLike;
  /**
   * Send commands issued in the same tick as one `/pipeline` request (default true). `maxCommands`
   * caps a batch (default 1000).
   */
  autoPipeline?: boolean | { maxCommands?: number };
  /** Retry timing and the non-idempotent opt-in; `false` turns retries off. */
  retry?: RetryOptions | false;
  /**
   * `base64` (default) asks the server to base64-encode reply strings so any bytes survive JSON;
   * `none` gets plain JSON strings (smaller, but non-UTF-8 values are mangled by the server).
   */
  encoding?: Encoding;
  /** Per-attempt request timeout in ms (default 30 000; 0 for none). */
  timeoutMs?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

export class Slotway extends Commands<'promise'> {
  /** Cluster admin endpoints: `/cluster/info`, `/cluster/nodes`, `/cluster/slots`, `/healthz`. */
  readonly cluster: ClusterAdmin;
  private readonly transport: RestTransport;
  private readonly autoPipeline: AutoPipeline | null;

  constructor(private readonly options: SlotwayOptions) {
    super();
    if (!/^https?:\/\//i.test(options.url)) {
      throw new TypeError(`Slotway url must start with http:// or https://, got "${options.url}"`);
    }
    const fetchImpl: FetchLike =
      options.fetch ??
      ((url, init) => {
        if (typeof globalThis.fetch !== 'function') {
          throw new TypeError('no global fetch in this runtime; pass the `fetch` option');
        }
        // Called on globalThis: some runtimes reject fetch invoked with another `this`.
        return globalThis.fetch(url, init);
      });
    this.transport = new RestTransport({
      url: options.url,
      fetch: fetchImpl,
      base64: (options.encoding ?? 'base64') === 'base64',
      retry: retryPolicy(options.retry),
      timeoutMs: options.timeoutMs ?? 30_000,
      ...(options.token !== undefined ? { token: options.token } : {}),
      ...(options.headers !== undefined ? { headers: options.headers } : {}),
    });
    const auto = options.autoPipeline ?? true;
    this.autoPipeline =
      auto === false
        ? null
        : new AutoPipeline(
            (commands) => this.transport.run(commands, 'batch'),
            (auto === true ? undefined : auto.maxCommands) ?? 1000,
          );
    this.cluster = new ClusterAdmin(this.transport);
  }

  protected send<T>(command: Command<T>): Promise<T> {
    if (this.autoPipeline) return this.autoPipeline.enqueue(command);
    return this.transport.run([command], 'batch').then(([outcome]) => {
      if (outcome!.ok) return outcome!.value as T;
      throw outcome!.error;
    });
  }

  /** Commands sent together in one `/pipeline` request by `exec()`; not atomic. */
  pipeline(): Pipeline {
    return new Pipeline((commands) => this.transport.run(commands, 'batch'));
  }

  /**
   * A transaction (`/multi-exec`): all commands run atomically, on one shard, so every key must hash
   * to the same slot. Re-sent after a lost answer only when every command in it is idempotent.
   */
  multi(): Pipeline {
    return new Pipeline((commands) => this.transport.run(commands, 'transaction'));
  }

  /** Every key (matching the options) of every primary, page by page through SCAN. */
  async *scanIterator(options: ScanOptions = {}): AsyncGenerator<string, void, undefined> {
    let cursor = '0';
    do {
      const [next, keys] = await this.send(makeCommand(['SCAN', cursor, ...scanArgs(options)], asScanPage));
      yield* keys;
      cursor = next;
    } while (cursor !== '0');
  }

  /** A script run by SHA1 with the NOSCRIPT fallback to EVAL. */
  createScript<T = unknown>(source: string): Script<T> {
    return new Script<T>(this, source);
  }

  /** A WebSocket client for the same server and token (`/ws`). */
  socket(options: Partial<SlotwaySocketOptions> = {}): SlotwaySocket {
    return new SlotwaySocket({
      url: this.options.url,
      ...(this.options.token !== undefined ? { token: this.options.token } : {}),
      ...(this.options.encoding !== undefined ? { encoding: this.options.encoding } : {}),
      ...options,
    });
  }
}

export type { Arg };
