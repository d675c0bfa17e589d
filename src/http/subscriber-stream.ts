// A pub/sub subscription held for an HTTP or WebSocket caller: one dedicated RESP2 connection to
// the gateway in subscribe mode. Changes (subscribe, unsubscribe) run one at a time and resolve when
// the gateway has confirmed every name; messages and confirmations are reported as events.

import { errorText, isErrorValue, type RespValue } from '../protocol/resp-value.js';
import type { GatewayLink } from './gateway-link.js';
import type { LinkConnection } from './link-connection.js';

export type SubscriptionKind = 'channel' | 'pattern' | 'shard';

export type PubSubEvent =
  | {
      readonly type: 'subscribe' | 'psubscribe' | 'ssubscribe';
      readonly channel: Buffer;
      readonly count: number;
    }
  | {
      readonly type: 'unsubscribe' | 'punsubscribe' | 'sunsubscribe';
      readonly channel: Buffer | null;
      readonly count: number;
    }
  | { readonly type: 'message' | 'smessage'; readonly channel: Buffer; readonly message: Buffer }
  | {
      readonly type: 'pmessage';
      readonly pattern: Buffer;
      readonly channel: Buffer;
      readonly message: Buffer;
    };

const COMMANDS: Record<SubscriptionKind, { sub: string; unsub: string }> = {
  channel: { sub: 'SUBSCRIBE', unsub: 'UNSUBSCRIBE' },
  pattern: { sub: 'PSUBSCRIBE', unsub: 'PUNSUBSCRIBE' },
  shard: { sub: 'SSUBSCRIBE', unsub: 'SUNSUBSCRIBE' },
};

/** Confirmation frame kinds and the subscription set each one changes. */
const CONFIRMATIONS: Record<string, SubscriptionKind> = {
  subscribe: 'channel',
  unsubscribe: 'channel',
  psubscribe: 'pattern',
  punsubscribe: 'pattern',
  ssubscribe: 'shard',
  sunsubscribe: 'shard',
};

/** One command of a change and the confirmations it still expects. */
interface Step {
  remaining: number;
}

interface Change {
  readonly steps: Step[];
  error: string | null;
  resolve(): void;
  reject(err: Error): void;
}

/** A refused subscription change, with the gateway's error text. */
export class SubscriptionError extends Error {
  override readonly name = 'SubscriptionError';
}

export class SubscriberStream {
  private readonly names: Record<SubscriptionKind, Set<string>> = {
    channel: new Set(),
    pattern: new Set(),
    shard: new Set(),
  };
  private current: Change | null = null;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** Receives every message and confirmation, in arrival order. */
  onEvent: (event: PubSubEvent) => void = () => {};
  /** Called once when the stream ends for any reason other than close(). */
  onEnd: (err: Error) => void = () => {};

  private constructor(private readonly conn: LinkConnection) {
    conn.stream((frame) => this.onFrame(frame));
    conn.onClose((err) => {
      const wasClosed = this.closed;
      this.closed = true;
      this.current?.reject(err);
      this.current = null;
      if (!wasClosed) this.onEnd(err);
    });
  }

  static async open(link: GatewayLink): Promise<SubscriberStream> {
    return new SubscriberStream(await link.openStream());
  }

  /** Subscriptions of every kind. */
  get count(): number {
    return this.names.channel.size + this.names.pattern.size + this.names.shard.size;
  }

  subscribe(kind: SubscriptionKind, names: readonly Buffer[]): Promise<void> {
    return this.change(kind, 'sub', names);
  }

  /** Unsubscribes from `names`, or from every subscription of the kind when `names` is empty. */
  unsubscribe(kind: SubscriptionKind, names: readonly Buffer[]): Promise<void> {
    return this.change(kind, 'unsub', names);
  }

  close(): void {
    this.closed = true;
    this.conn.close();
  }

  private change(kind: SubscriptionKind, op: 'sub' | 'unsub', names: readonly Buffer[]): Promise<void> {
    const run = this.queue.then(() => this.send(kind, op, names));
    this.queue = run.catch(() => {});
    return run;
  }

  private send(kind: SubscriptionKind, op: 'sub' | 'unsub', names: readonly Buffer[]): Promise<void> {
    if (this.closed) return Promise.reject(new SubscriptionError('ERR subscription stream closed'));
    const command = COMMANDS[kind][op];
    let commands: Buffer[][];
    let steps: Step[];
    if (kind === 'shard' && names.length > 1) {
      // Sharded channels of different slots cannot share one command: one per channel.
      commands = names.map((n) => [Buffer.from(command), n]);
      steps = names.map(() => ({ remaining: 1 }));
    } else {
      commands = [[Buffer.from(command), ...names]];
      // Unsubscribing from everything confirms each name, or once with a null name when there are none.
      const expected = names.length > 0 ? names.length : Math.max(1, this.names[kind].size);
      steps = [{ remaining: expected }];
    }
    return new Promise<void>((resolve, reject) => {
      this.current = { steps, error: null, resolve, reject };
      this.conn.write(commands);
    });
  }

  private onFrame(frame: RespValue): void {
    if (isErrorValue(frame)) {
      this.step(errorText(frame));
      return;
    }
    if (frame.type !== 'array' && frame.type !== 'push') return;
    const items = frame.value;
    const kind = items[0]?.type === 'bulk' ? items[0].value.toString('latin1').toLowerCase() : '';
    const bytes = (i: number): Buffer | null => {
      const v = items[i];
      return v?.type === 'bulk' ? v.value : null;
    };
    if (kind === 'message' || kind === 'smessage') {
      this.onEvent({
        type: kind,
        channel: bytes(1) ?? Buffer.alloc(0),
        message: bytes(2) ?? Buffer.alloc(0),
      });
      return;
    }
    if (kind === 'pmessage') {
      this.onEvent({
        type: 'pmessage',
        pattern: bytes(1) ?? Buffer.alloc(0),
        channel: bytes(2) ?? Buffer.alloc(0),
        message: bytes(3) ?? Buffer.alloc(0),
      });
      return;
    }
    const setKind = CONFIRMATIONS[kind];
    if (!setKind) return;
    const name = bytes(1);
    const countItem = items[2];
    const count = countItem?.type === 'integer' ? Number(countItem.value) : 0;
    const unsubscribed = kind.includes('unsub');
    if (name) {
      if (unsubscribed) this.names[setKind].delete(name.toString('latin1'));
      else this.names[setKind].add(name.toString('latin1'));
    }
    if (unsubscribed) {
      this.onEvent({ type: kind as 'unsubscribe' | 'punsubscribe' | 'sunsubscribe', channel: name, count });
    } else if (name) {
      this.onEvent({ type: kind as 'subscribe' | 'psubscribe' | 'ssubscribe', channel: name, count });
    }
    this.step(null);
  }

  /** One expected answer arrived (a confirmation, or an error ending its command). */
  private step(error: string | null): void {
    const change = this.current;
    if (!change) return;
    const step = change.steps[0];
    if (!step) return;
    if (error !== null) {
      change.error ??= error;
      step.remaining = 0;
    } else {
      step.remaining--;
    }
    if (step.remaining > 0) return;
    change.steps.shift();
    if (change.steps.length > 0) return;
    this.current = null;
    if (change.error !== null) change.reject(new SubscriptionError(change.error));
    else change.resolve();
  }
}
