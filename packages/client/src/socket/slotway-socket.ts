// The WebSocket client: typed commands, pipelines and pub/sub over one `/ws` connection with JSON
// frames matched by request id. When the connection drops it reconnects with backoff, subscribes
// again to everything, re-sends requests that are safe to repeat and fails the others.

import type { Command } from '../command.js';
import { Commands } from '../commands/scripting.js';
import { bytesToBase64, decodeReply, textToBytes } from '../encoding.js';
import { type Settled, SlotwayConnectionError, SlotwayError, SlotwayReplyError } from '../errors.js';
import { Pipeline } from '../pipeline.js';
import { settleEntries, settleEntry } from '../reply-mapping.js';
import { backoffDelay, retryPolicy } from '../retry.js';
import {
  type MessageListener,
  type PubSubMessage,
  Subscription,
  type SubscriptionKind,
  SubscriptionRegistry,
} from './subscription.js';
import {
  messageText,
  OPEN,
  resolveWebSocket,
  socketUrl,
  type WebSocketConstructor,
  type WebSocketLike,
} from './websocket-like.js';

export interface ReconnectOptions {
  /** First delay before reconnecting; doubles per failed attempt, with jitter (default 100 ms). */
  baseDelayMs?: number;
  /** Longest delay between attempts (default 5000 ms). */
  maxDelayMs?: number;
  /** Give up after this many failed attempts in a row (default: never). */
  maxAttempts?: number;
}

export interface SlotwaySocketOptions {
  /** `ws(s)://host:port/ws`, or the HTTP base URL (`/ws` is appended). */
  url: string;
  /** API token, sent as `?token=` (browsers cannot set headers on a WebSocket). */
  token?: string;
  /** WebSocket implementation; default: the global one, else the `ws` package (Node 20). */
  WebSocket?: WebSocketConstructor;
  /**
   * `base64` (default): every frame says `"encoding":"base64"`, so arguments, replies and pub/sub
   * messages travel base64-encoded and any bytes survive JSON. `none`: plain UTF-8 JSON strings.
   */
  encoding?: 'base64' | 'none';
  /** Reconnect after the connection drops (default on); `false` fails everything instead. */
  reconnect?: ReconnectOptions | false;
  /** A request unanswered after this many ms fails (default 30 000; 0 for never). */
  requestTimeoutMs?: number;
  /** Also re-send non-idempotent commands whose answer was lost in a disconnect (default false). */
  retryNonIdempotent?: boolean;
  /** Messages an iterated subscription buffers before dropping the oldest (default 10 000). */
  maxBufferedMessages?: number;
}

export type SocketState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface SocketEvents {
  /** Connected; `reconnected` is true after a drop. */
  open: { reconnected: boolean };
  /** The connection dropped (or was closed); `willReconnect` says whether it comes back. */
  close: { code: number; reason: string; willReconnect: boolean };
  /** Something failed outside any request: a re-subscribe, a listener, a malformed frame. */
  error: Error;
}

type ServerFrame = Record<string, unknown>;

interface PendingRequest {
  readonly id: number;
  readonly frame: ServerFrame;
  /** Safe to send again when the connection dropped before the answer. */
  readonly repeatable: boolean;
  sent: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  resolve(frame: ServerFrame): void;
  reject(error: SlotwayError): void;
}

const PUSH_TYPES = new Set(['message', 'pmessage', 'smessage']);
const SUBSCRIBE_FIELD: Record<SubscriptionKind, { sub: string; unsub: string }> = {
  channel: { sub: 'subscribe', unsub: 'unsubscribe' },
  pattern: { sub: 'psubscribe', unsub: 'punsubscribe' },
  shard: { sub: 'ssubscribe', unsub: 'sunsubscribe' },
};

export class SlotwaySocket extends Commands<'promise'> {
  private readonly url: string;
  private readonly base64: boolean;
  private readonly requestTimeoutMs: number;
  private readonly reconnectPolicy;
  private readonly maxReconnectAttempts: number;
  private readonly registry = new SubscriptionRegistry();
  private readonly pending = new Map<number, PendingRequest>();
  private readonly listeners: { [E in keyof SocketEvents]: Set<(event: SocketEvents[E]) => void> } = {
    open: new Set(),
    close: new Set(),
    error: new Set(),
  };
  private ws: WebSocketLike | null = null;
  private stateValue: SocketState = 'idle';
  private nextId = 1;
  private failedAttempts = 0;
  private everOpened = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private waiters: Array<{ resolve(): void; reject(err: SlotwayError): void }> = [];

  constructor(private readonly options: SlotwaySocketOptions) {
    super();
    this.url = socketUrl(options.url, options.token);
    this.base64 = (options.encoding ?? 'base64') === 'base64';
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const reconnect = options.reconnect ?? {};
    this.reconnectPolicy = retryPolicy({
      baseDelayMs: reconnect === false ? 0 : (reconnect.baseDelayMs ?? 100),
      maxDelayMs: reconnect === false ? 0 : (reconnect.maxDelayMs ?? 5000),
    });
    this.maxReconnectAttempts = reconnect === false ? 0 : (reconnect.maxAttempts ?? Number.POSITIVE_INFINITY);
  }

  get state(): SocketState {
    return this.stateValue;
  }

  /** Listens to connection events; returns the function that stops listening. */
  on<E extends keyof SocketEvents>(event: E, listener: (event: SocketEvents[E]) => void): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  /**
   * Opens the connection (requests open it by themselves). Resolves once connected; rejects when the
   * client gives up reconnecting or is closed.
   */
  connect(): Promise<void> {
    if (this.stateValue === 'open') return Promise.resolve();
    if (this.stateValue === 'closed') return Promise.reject(this.closedError());
    const ready = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.stateValue === 'idle') void this.open();
    return ready;
  }

  /** Closes for good: pending requests fail, subscriptions end, no reconnect. */
  close(): Promise<void> {
    if (this.stateValue === 'closed') return Promise.resolve();
    this.stateValue = 'closed';
    clearTimeout(this.reconnectTimer);
    this.failEverything(this.closedError());
    const ws = this.ws;
    this.ws = null;
    if (!ws) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = setTimeout(resolve, 1000);
      ws.onclose = () => {
        clearTimeout(done);
        resolve();
      };
      ws.onmessage = null;
      try {
        ws.close(1000, 'client closed');
      } catch {
        clearTimeout(done);
        resolve();
      }
    });
  }

  protected send<T>(command: Command<T>): Promise<T> {
    let frame: ServerFrame;
    try {
      frame = this.frame('cmd', this.wireArgs(command));
    } catch (err) {
      return Promise.reject(err);
    }
    return this.request(frame, command.idempotent).then((answer) => {
      const outcome = settleEntry(command, answer, this.base64);
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    });
  }

  /** Commands sent as one `pipeline` frame by `exec()`; not atomic. */
  pipeline(): Pipeline {
    return new Pipeline((commands) => this.runBatch('pipeline', commands));
  }

  /** A transaction (`multi` frame): atomic, every key in the same slot. */
  multi(): Pipeline {
    return new Pipeline((commands) => this.runBatch('multi', commands));
  }

  /** Subscribes to channels; messages go to `listener`, or are iterated with `for await`. */
  subscribe(channels: string | readonly string[], listener?: MessageListener): Promise<Subscription> {
    return this.addSubscription('channel', channels, listener);
  }

  /** Subscribes to glob-style patterns (`news.*`). */
  psubscribe(patterns: string | readonly string[], listener?: MessageListener): Promise<Subscription> {
    return this.addSubscription('pattern', patterns, listener);
  }

  /** Subscribes to sharded channels (SSUBSCRIBE; messages sent with SPUBLISH). */
  ssubscribe(channels: string | readonly string[], listener?: MessageListener): Promise<Subscription> {
    return this.addSubscription('shard', channels, listener);
  }

  /** A frame for `operation`, saying which encoding its strings use. */
  private frame(operation: string, value: unknown): ServerFrame {
    return this.base64 ? { [operation]: value, encoding: 'base64' } : { [operation]: value };
  }

  /** The command's arguments as the frame carries them (base64 in base64 frames). */
  private wireArgs(command: Command<unknown>): string[] {
    if (this.base64) return (command.binary ?? command.args.map(textToBytes)).map(bytesToBase64);
    if (command.binary) {
      throw new SlotwayError('ERR non-UTF-8 byte arguments need encoding "base64" (the default)');
    }
    return command.args as string[];
  }

  private async runBatch(
    operation: 'pipeline' | 'multi',
    commands: readonly Command<unknown>[],
  ): Promise<Settled<unknown>[]> {
    try {
      const frame = this.frame(
        operation,
        commands.map((c) => this.wireArgs(c)),
      );
      const answer = await this.request(
        frame,
        commands.every((c) => c.idempotent),
      );
      if (typeof answer.error === 'string') {
        const error = new SlotwayReplyError(answer.error);
        return commands.map(() => ({ ok: false, error }));
      }
      return settleEntries(commands, answer.results, this.base64);
    } catch (err) {
      const error = err instanceof SlotwayError ? err : new SlotwayError(String(err));
      return commands.map(() => ({ ok: false, error }));
    }
  }

  private async addSubscription(
    kind: SubscriptionKind,
    names: string | readonly string[],
    listener: MessageListener | undefined,
  ): Promise<Subscription> {
    const list = typeof names === 'string' ? [names] : [...names];
    if (list.length === 0) throw new TypeError('subscribe needs at least one channel or pattern');
    if (this.stateValue === 'closed') throw this.closedError();
    const sub = new Subscription(
      kind,
      list,
      listener,
      this.options.maxBufferedMessages ?? 10_000,
      (s) => this.releaseSubscription(s),
      (err) => this.emit('error', err instanceof Error ? err : new Error(String(err))),
    );
    const fresh = this.registry.add(sub);
    if (fresh.length > 0) {
      try {
        await this.subscriptionChange(kind, 'sub', fresh);
      } catch (err) {
        this.registry.remove(sub);
        sub.end();
        throw err;
      }
    }
    return sub;
  }

  private async releaseSubscription(sub: Subscription): Promise<void> {
    const gone = this.registry.remove(sub);
    if (gone.length === 0 || this.stateValue === 'closed') return;
    // After a drop the server already forgot them; only tell it while connected.
    if (this.stateValue !== 'open') return;
    await this.subscriptionChange(sub.kind, 'unsub', gone);
  }

  private async subscriptionChange(
    kind: SubscriptionKind,
    op: 'sub' | 'unsub',
    names: string[],
  ): Promise<void> {
    // Subscribing twice is harmless, so these frames are re-sent after a drop like reads. Messages
    // come in the encoding their subscription was made with: the client's.
    const wire = this.base64 ? names.map((n) => bytesToBase64(textToBytes(n))) : names;
    const answer = await this.request(this.frame(SUBSCRIBE_FIELD[kind][op], wire), true);
    if (typeof answer.error === 'string') throw new SlotwayReplyError(answer.error);
  }

  /** Sends a frame (now, or once connected) and resolves with the server's answer frame. */
  private request(frame: ServerFrame, repeatable: boolean): Promise<ServerFrame> {
    if (this.stateValue === 'closed') return Promise.reject(this.closedError());
    return new Promise<ServerFrame>((resolve, reject) => {
      const id = this.nextId++;
      const pending: PendingRequest = {
        id,
        frame: { id, ...frame },
        repeatable: repeatable || this.options.retryNonIdempotent === true,
        sent: false,
        timer: undefined,
        resolve,
        reject,
      };
      if (this.requestTimeoutMs > 0) {
        pending.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(
            new SlotwayConnectionError(
              `no answer within ${this.requestTimeoutMs} ms (request ${id})`,
              pending.sent,
            ),
          );
        }, this.requestTimeoutMs);
      }
      this.pending.set(id, pending);
      if (this.stateValue === 'open') this.transmit(pending);
      else if (this.stateValue === 'idle') void this.open();
    });
  }

  private transmit(pending: PendingRequest): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN) return;
    try {
      ws.send(JSON.stringify(pending.frame));
      pending.sent = true;
    } catch {
      // The close event follows; the request waits for the next connection.
    }
  }

  private async open(): Promise<void> {
    this.stateValue = this.everOpened ? 'reconnecting' : 'connecting';
    let Ctor: WebSocketConstructor;
    try {
      Ctor = await resolveWebSocket(this.options.WebSocket);
    } catch (err) {
      this.giveUp(new SlotwayConnectionError((err as Error).message, false, { cause: err }));
      return;
    }
    // close() may have run while the WebSocket implementation was loading.
    if ((this.stateValue as SocketState) === 'closed') return;
    let ws: WebSocketLike;
    try {
      ws = new Ctor(this.url);
    } catch (err) {
      this.giveUp(new SlotwayConnectionError(`cannot open ${this.url}: ${(err as Error).message}`, false));
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.onOpen(ws);
    ws.onmessage = (event: { data: unknown }) => this.onMessage(event.data);
    ws.onclose = (event: { code?: number; reason?: string }) =>
      this.onClose(ws, event.code ?? 1006, event.reason ?? '');
    // An error is always followed by close, which does the work.
    ws.onerror = () => {};
  }

  private onOpen(ws: WebSocketLike): void {
    if (ws !== this.ws || this.stateValue === 'closed') return;
    const reconnected = this.everOpened;
    this.stateValue = 'open';
    this.everOpened = true;
    this.failedAttempts = 0;
    if (reconnected) this.resubscribe();
    for (const pending of this.pending.values()) if (!pending.sent) this.transmit(pending);
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
    this.emit('open', { reconnected });
  }

  /** After a reconnect: one frame per kind naming every subscribed name. */
  private resubscribe(): void {
    for (const kind of ['channel', 'pattern', 'shard'] as const) {
      const names = this.registry.names(kind);
      if (names.length === 0) continue;
      this.subscriptionChange(kind, 'sub', names).catch((err: unknown) =>
        this.emit(
          'error',
          new SlotwayError(`re-subscribing to ${names.join(', ')} failed: ${(err as Error).message}`),
        ),
      );
    }
  }

  private onMessage(data: unknown): void {
    const text = messageText(data);
    let frame: ServerFrame;
    try {
      const parsed: unknown = text === undefined ? undefined : JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('not an object');
      frame = parsed as ServerFrame;
    } catch {
      this.emit(
        'error',
        new SlotwayError(`ERR malformed frame from the server: ${String(text).slice(0, 200)}`),
      );
      return;
    }
    if (typeof frame.type === 'string' && PUSH_TYPES.has(frame.type) && frame.id === undefined) {
      this.registry.dispatch(this.pushMessage(frame));
      return;
    }
    if (frame.id === null && typeof frame.error === 'string') {
      // The server could not tell which request a frame belonged to.
      this.emit('error', new SlotwayReplyError(frame.error));
      return;
    }
    const pending = typeof frame.id === 'number' ? this.pending.get(frame.id) : undefined;
    if (!pending) return;
    this.pending.delete(pending.id);
    clearTimeout(pending.timer);
    pending.resolve(frame);
  }

  private pushMessage(frame: ServerFrame): PubSubMessage {
    const text = (value: unknown) => {
      const decoded = decodeReply(value, this.base64, 'text');
      return typeof decoded === 'string' ? decoded : String(decoded ?? '');
    };
    const message: PubSubMessage = {
      type: frame.type as PubSubMessage['type'],
      channel: text(frame.channel),
      message: text(frame.message),
    };
    if (frame.pattern !== undefined) message.pattern = text(frame.pattern);
    return message;
  }

  private onClose(ws: WebSocketLike, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = null;
    if (this.stateValue === 'closed') return;
    // Answers lost with the connection: repeat what is safe, fail the rest.
    for (const pending of [...this.pending.values()]) {
      if (!pending.sent) continue;
      if (pending.repeatable) {
        pending.sent = false;
        continue;
      }
      this.settleFailed(
        pending,
        new SlotwayConnectionError(
          `connection lost before the answer to request ${pending.id}; not re-sent because it may have run ` +
            'and is not idempotent',
          true,
        ),
      );
    }
    const willReconnect = this.failedAttempts < this.maxReconnectAttempts;
    this.emit('close', { code, reason, willReconnect });
    if (!willReconnect) {
      this.giveUp(
        new SlotwayConnectionError(`connection to ${this.url} closed (${code}) and not reconnecting`, false),
      );
      return;
    }
    this.stateValue = this.everOpened ? 'reconnecting' : 'connecting';
    this.failedAttempts++;
    const delay = backoffDelay(this.reconnectPolicy, this.failedAttempts);
    this.reconnectTimer = setTimeout(() => {
      if (this.stateValue !== 'closed') void this.open();
    }, delay);
  }

  private giveUp(error: SlotwayConnectionError): void {
    this.stateValue = 'closed';
    this.ws = null;
    this.failEverything(error);
  }

  private failEverything(error: SlotwayError): void {
    for (const pending of [...this.pending.values()]) {
      this.settleFailed(
        pending,
        pending.sent && error instanceof SlotwayConnectionError
          ? new SlotwayConnectionError(error.message, true)
          : error,
      );
    }
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    this.registry.endAll();
  }

  private settleFailed(pending: PendingRequest, error: SlotwayError): void {
    this.pending.delete(pending.id);
    clearTimeout(pending.timer);
    pending.reject(error);
  }

  private closedError(): SlotwayConnectionError {
    return new SlotwayConnectionError('the socket is closed', false);
  }

  private emit<E extends keyof SocketEvents>(event: E, payload: SocketEvents[E]): void {
    for (const listener of this.listeners[event]) {
      try {
        listener(payload);
      } catch {
        // A failing event listener must not break the connection handling.
      }
    }
  }
}
