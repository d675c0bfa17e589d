// Pub/sub on the WebSocket client: a Subscription delivers messages to a callback or, without one,
// buffers them for `for await`; the registry knows which names have subscribers, so the server is
// asked to subscribe only for a name's first subscriber and to unsubscribe after its last.

export type SubscriptionKind = 'channel' | 'pattern' | 'shard';

export interface PubSubMessage {
  /** `message` (SUBSCRIBE), `pmessage` (PSUBSCRIBE) or `smessage` (SSUBSCRIBE). */
  type: 'message' | 'pmessage' | 'smessage';
  channel: string;
  message: string;
  /** The matching pattern, for `pmessage`. */
  pattern?: string;
}

export type MessageListener = (message: PubSubMessage) => void;

const PUSH_KIND: Record<PubSubMessage['type'], SubscriptionKind> = {
  message: 'channel',
  pmessage: 'pattern',
  smessage: 'shard',
};

export class Subscription implements AsyncIterable<PubSubMessage> {
  private buffer: PubSubMessage[] = [];
  private waiters: Array<(result: IteratorResult<PubSubMessage>) => void> = [];
  private ended = false;
  /** Messages dropped because the buffer was full (the oldest go first). */
  dropped = 0;

  constructor(
    readonly kind: SubscriptionKind,
    readonly names: readonly string[],
    private readonly listener: MessageListener | undefined,
    private readonly maxBuffered: number,
    private readonly release: (subscription: Subscription) => Promise<void>,
    /** Where an exception thrown by `listener` goes (it must not stop other subscriptions). */
    private readonly onListenerError: (err: unknown) => void,
  ) {}

  get active(): boolean {
    return !this.ended;
  }

  /** Stops the subscription; the server is told once no other subscription needs the names. */
  async unsubscribe(): Promise<void> {
    if (this.ended) return;
    this.end();
    await this.release(this);
  }

  deliver(message: PubSubMessage): void {
    if (this.ended) return;
    if (this.listener) {
      try {
        this.listener(message);
      } catch (err) {
        this.onListenerError(err);
      }
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter({ value: message, done: false });
      return;
    }
    this.buffer.push(message);
    if (this.buffer.length > this.maxBuffered) {
      this.buffer.shift();
      this.dropped++;
    }
  }

  /** Ends iteration; buffered messages are still handed out first. */
  end(): void {
    this.ended = true;
    for (const waiter of this.waiters.splice(0)) waiter({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<PubSubMessage> {
    return {
      next: () => {
        const message = this.buffer.shift();
        if (message) return Promise.resolve({ value: message, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this.waiters.push(resolve));
      },
      // `break` out of `for await` unsubscribes.
      return: async () => {
        await this.unsubscribe();
        return { value: undefined, done: true };
      },
    };
  }
}

export class SubscriptionRegistry {
  private readonly byKind: Record<SubscriptionKind, Map<string, Set<Subscription>>> = {
    channel: new Map(),
    pattern: new Map(),
    shard: new Map(),
  };

  /** Registers `sub`; returns the names nobody was subscribed to yet. */
  add(sub: Subscription): string[] {
    const map = this.byKind[sub.kind];
    const fresh: string[] = [];
    for (const name of sub.names) {
      let subs = map.get(name);
      if (!subs) {
        map.set(name, (subs = new Set()));
        fresh.push(name);
      }
      subs.add(sub);
    }
    return fresh;
  }

  /** Forgets `sub`; returns the names nobody is subscribed to any more. */
  remove(sub: Subscription): string[] {
    const map = this.byKind[sub.kind];
    const gone: string[] = [];
    for (const name of sub.names) {
      const subs = map.get(name);
      if (!subs) continue;
      subs.delete(sub);
      if (subs.size === 0) {
        map.delete(name);
        gone.push(name);
      }
    }
    return gone;
  }

  /** Every subscribed name of `kind` (what to subscribe again after a reconnect). */
  names(kind: SubscriptionKind): string[] {
    return [...this.byKind[kind].keys()];
  }

  dispatch(message: PubSubMessage): void {
    const key = message.type === 'pmessage' ? (message.pattern ?? '') : message.channel;
    const subs = this.byKind[PUSH_KIND[message.type]].get(key);
    if (subs) for (const sub of subs) sub.deliver(message);
  }

  endAll(): void {
    for (const map of Object.values(this.byKind)) {
      for (const subs of map.values()) for (const sub of subs) sub.end();
      map.clear();
    }
  }
}
