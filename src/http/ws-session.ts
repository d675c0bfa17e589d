// One WebSocket client: answers each frame under its id (`{id, result}` / `{id, error}` /
// `{id, results}`), holds its subscriptions on one dedicated gateway connection and pushes messages
// as `{type, channel, message}` frames. Replies may arrive out of order; ids tie them together.

import type { WebSocket } from 'ws';
import { errorText, isErrorValue, type RespValue } from '../protocol/resp-value.js';
import { checkRateLimit, type Principal } from './api-tokens.js';
import { type CommandRunner, transactionErrorText } from './command-runner.js';
import type { GatewayLink } from './gateway-link.js';
import { asHttpError, forbidden } from './http-errors.js';
import { respToJson } from './resp-json.js';
import { type PubSubEvent, SubscriberStream, type SubscriptionKind } from './subscriber-stream.js';
import { FrameError, type FrameId, parseFrame, type WsRequest } from './ws-frames.js';

/** A client this far behind on reading is disconnected rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const HEARTBEAT_MS = 30_000;

type Encoding = 'utf8' | 'base64';

function encodeBytes(bytes: Buffer, encoding: Encoding): string {
  return encoding === 'base64' ? `"${bytes.toString('base64')}"` : JSON.stringify(bytes.toString('utf8'));
}

/** `{"result":…}` or `{"error":…}`; in base64 frames every string is base64, OK included. */
function envelope(reply: RespValue, base64: boolean): string {
  if (isErrorValue(reply)) return `{"error":${JSON.stringify(errorText(reply))}}`;
  return `{"result":${respToJson(reply, base64, false)}}`;
}

export class WsSession {
  private stream: SubscriberStream | null = null;
  private opening: Promise<SubscriberStream> | null = null;
  /** Encoding each subscription was made with, for its messages: per kind, by name (latin1). */
  private readonly encodings: Record<SubscriptionKind, Map<string, Encoding>> = {
    channel: new Map(),
    pattern: new Map(),
    shard: new Map(),
  };
  private alive = true;
  /** Aborted when the socket closes: blocking commands still waiting give up their connections. */
  private readonly gone = new AbortController();
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly principal: Principal,
    private readonly runner: CommandRunner,
    private readonly link: GatewayLink,
  ) {
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer | Buffer[], isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('close', () => this.onClose());
    ws.on('error', () => this.onClose());
    this.heartbeat = setInterval(() => {
      if (!this.alive) {
        ws.terminate();
        return;
      }
      this.alive = false;
      ws.ping();
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private onMessage(data: Buffer | Buffer[], isBinary: boolean): void {
    const text = (Array.isArray(data) ? Buffer.concat(data) : data).toString('utf8');
    if (isBinary) {
      this.sendError(null, 'ERR binary frames are not supported; send JSON text frames');
      return;
    }
    let request: WsRequest;
    try {
      request = parseFrame(text);
    } catch (err) {
      if (err instanceof FrameError) this.sendError(err.id, err.message);
      else this.sendError(null, asHttpError(err).message);
      return;
    }
    try {
      checkRateLimit(this.principal);
    } catch (err) {
      this.sendError(request.id, asHttpError(err).message);
      return;
    }
    this.serve(request).catch((err: unknown) => this.sendError(request.id, asHttpError(err).message));
  }

  private async serve(request: WsRequest): Promise<void> {
    const base64 = request.encoding === 'base64';
    const id = JSON.stringify(request.id);
    switch (request.kind) {
      case 'cmd': {
        const reply = await this.runner.run(this.principal, request.args, this.gone.signal);
        const body = envelope(reply, base64);
        this.send(`{"id":${id},${body.slice(1)}`);
        return;
      }
      case 'pipeline': {
        const replies = await this.runner.pipeline(this.principal, request.commands, this.gone.signal);
        this.send(`{"id":${id},"results":[${replies.map((r) => envelope(r, base64)).join(',')}]}`);
        return;
      }
      case 'multi': {
        const { exec, queueErrors } = await this.runner.transaction(
          this.principal,
          request.commands,
          this.gone.signal,
        );
        if (exec.type === 'array') {
          this.send(`{"id":${id},"results":[${exec.value.map((r) => envelope(r, base64)).join(',')}]}`);
        } else {
          this.sendError(request.id, transactionErrorText(exec, queueErrors, request.commands));
        }
        return;
      }
      case 'subscription':
        await this.subscription(request);
        this.send(`{"id":${id},"result":"OK"}`);
        return;
    }
  }

  private async subscription(request: Extract<WsRequest, { kind: 'subscription' }>): Promise<void> {
    const { sub, op, names } = request;
    if (op === 'sub') {
      const refusal = this.runner.scopeRefusal(this.principal, [Buffer.from(request.verb), ...names]);
      if (refusal !== null) throw forbidden(refusal.replace(/^NOPERM /, ''));
    }
    if (op === 'unsub' && !this.stream && !this.opening) return;
    const stream = await this.subscriber();
    if (op === 'sub') {
      for (const name of names) this.encodings[sub].set(name.toString('latin1'), request.encoding);
      await stream.subscribe(sub, names);
    } else {
      await stream.unsubscribe(sub, names);
    }
  }

  private subscriber(): Promise<SubscriberStream> {
    if (this.stream) return Promise.resolve(this.stream);
    this.opening ??= SubscriberStream.open(this.link).then(
      (stream) => {
        if (this.closed) stream.close();
        this.stream = stream;
        this.opening = null;
        stream.onEvent = (event) => this.push(event);
        stream.onEnd = () => {
          // The gateway link went away: the client must resubscribe on a new connection.
          this.ws.close(1011, 'subscription connection lost');
        };
        return stream;
      },
      (err: unknown) => {
        this.opening = null;
        throw err;
      },
    );
    return this.opening;
  }

  private push(event: PubSubEvent): void {
    let frame: string;
    switch (event.type) {
      case 'message':
      case 'smessage': {
        const kind = event.type === 'message' ? 'channel' : 'shard';
        const enc = this.encodings[kind].get(event.channel.toString('latin1')) ?? 'utf8';
        frame = `{"type":"${event.type}","channel":${encodeBytes(event.channel, enc)},"message":${encodeBytes(event.message, enc)}}`;
        break;
      }
      case 'pmessage': {
        const enc = this.encodings.pattern.get(event.pattern.toString('latin1')) ?? 'utf8';
        frame =
          `{"type":"pmessage","pattern":${encodeBytes(event.pattern, enc)},` +
          `"channel":${encodeBytes(event.channel, enc)},"message":${encodeBytes(event.message, enc)}}`;
        break;
      }
      case 'unsubscribe':
      case 'punsubscribe':
      case 'sunsubscribe': {
        // Forget the encoding of a name no longer subscribed; confirmations are not pushed.
        const kind =
          event.type === 'unsubscribe' ? 'channel' : event.type === 'punsubscribe' ? 'pattern' : 'shard';
        if (event.channel) this.encodings[kind].delete(event.channel.toString('latin1'));
        return;
      }
      default:
        return;
    }
    this.send(frame);
  }

  private sendError(id: FrameId, message: string): void {
    this.send(`{"id":${JSON.stringify(id)},"error":${JSON.stringify(message)}}`);
  }

  private send(text: string): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(text);
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES)
      this.ws.close(1008, 'client too slow to read its messages');
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.gone.abort();
    clearInterval(this.heartbeat);
    this.stream?.close();
    this.stream = null;
  }
}
