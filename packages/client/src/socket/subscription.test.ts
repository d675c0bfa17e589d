import { describe, expect, it } from 'vitest';
import { type PubSubMessage, Subscription, SubscriptionRegistry } from './subscription.js';

function subscription(
  names: string[],
  options: { listener?: (m: PubSubMessage) => void; max?: number; kind?: 'channel' | 'pattern' } = {},
) {
  const released: Subscription[] = [];
  const errors: unknown[] = [];
  const sub = new Subscription(
    options.kind ?? 'channel',
    names,
    options.listener,
    options.max ?? 100,
    async (s) => {
      released.push(s);
    },
    (err) => errors.push(err),
  );
  return { sub, released, errors };
}

const message = (channel: string, text: string): PubSubMessage => ({
  type: 'message',
  channel,
  message: text,
});

describe('SubscriptionRegistry', () => {
  it('asks the server only for a name’s first subscriber and after its last', () => {
    const registry = new SubscriptionRegistry();
    const a = subscription(['x', 'y']).sub;
    const b = subscription(['y', 'z']).sub;
    expect(registry.add(a)).toEqual(['x', 'y']);
    expect(registry.add(b)).toEqual(['z']);
    expect(registry.names('channel').sort()).toEqual(['x', 'y', 'z']);
    expect(registry.remove(a)).toEqual(['x']);
    expect(registry.remove(b)).toEqual(['y', 'z']);
    expect(registry.names('channel')).toEqual([]);
  });

  it('dispatches by channel, pattern and kind', () => {
    const registry = new SubscriptionRegistry();
    const got: string[] = [];
    registry.add(subscription(['news'], { listener: (m) => got.push(`c:${m.message}`) }).sub);
    registry.add(subscription(['n*'], { kind: 'pattern', listener: (m) => got.push(`p:${m.channel}`) }).sub);
    registry.dispatch(message('news', 'hi'));
    registry.dispatch({ type: 'pmessage', pattern: 'n*', channel: 'nope', message: 'x' });
    registry.dispatch(message('other', 'ignored'));
    // A sharded message on the same name is a different kind.
    registry.dispatch({ type: 'smessage', channel: 'news', message: 'shard' });
    expect(got).toEqual(['c:hi', 'p:nope']);
  });
});

describe('Subscription', () => {
  it('buffers for async iteration and ends on unsubscribe', async () => {
    const { sub, released } = subscription(['c']);
    sub.deliver(message('c', '1'));
    sub.deliver(message('c', '2'));
    const seen: string[] = [];
    const iterating = (async () => {
      for await (const m of sub) {
        seen.push(m.message);
        if (seen.length === 3) break;
      }
    })();
    await Promise.resolve();
    sub.deliver(message('c', '3'));
    await iterating;
    expect(seen).toEqual(['1', '2', '3']);
    // break → return() → unsubscribe
    expect(released).toEqual([sub]);
    expect(sub.active).toBe(false);
  });

  it('drops the oldest messages beyond its buffer', async () => {
    const { sub } = subscription(['c'], { max: 2 });
    for (const n of ['1', '2', '3']) sub.deliver(message('c', n));
    expect(sub.dropped).toBe(1);
    sub.end();
    const seen: string[] = [];
    for await (const m of sub) seen.push(m.message);
    expect(seen).toEqual(['2', '3']);
  });

  it('reports a throwing listener without stopping delivery', () => {
    const got: string[] = [];
    const { sub, errors } = subscription(['c'], {
      listener: (m) => {
        got.push(m.message);
        if (m.message === 'bad') throw new Error('listener failed');
      },
    });
    sub.deliver(message('c', 'bad'));
    sub.deliver(message('c', 'good'));
    expect(got).toEqual(['bad', 'good']);
    expect(errors).toHaveLength(1);
  });
});
