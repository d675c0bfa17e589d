import { describe, expect, it } from 'vitest';
import { FrameError, parseFrame } from './ws-frames.js';

function errorOf(text: string): { id: unknown; message: string } {
  try {
    parseFrame(text);
  } catch (err) {
    expect(err).toBeInstanceOf(FrameError);
    return { id: (err as FrameError).id, message: (err as FrameError).message };
  }
  throw new Error('did not throw');
}

describe('parseFrame', () => {
  it('reads each kind of frame', () => {
    expect(parseFrame('{"id":1,"cmd":["GET","k"]}')).toMatchObject({ kind: 'cmd', id: 1, encoding: 'utf8' });
    expect(parseFrame('{"id":"p","pipeline":[["PING"],["GET","a"]]}')).toMatchObject({
      kind: 'pipeline',
      id: 'p',
    });
    expect(parseFrame('{"multi":[["PING"]]}')).toMatchObject({ kind: 'multi', id: null });
    const sub = parseFrame('{"id":2,"encoding":"base64","psubscribe":["bmV3cy4q"]}');
    expect(sub).toMatchObject({ kind: 'subscription', sub: 'pattern', op: 'sub', verb: 'psubscribe' });
    expect(sub.kind === 'subscription' && sub.names[0]!.toString()).toBe('news.*');
    expect(parseFrame('{"id":3,"sunsubscribe":[]}')).toMatchObject({ sub: 'shard', op: 'unsub', names: [] });
    // A single name may be given without the array.
    expect(parseFrame('{"id":4,"subscribe":"news"}')).toMatchObject({ names: [Buffer.from('news')] });
  });

  it('keeps the id of a malformed frame when it has a usable one', () => {
    expect(errorOf('nope')).toMatchObject({ id: null, message: expect.stringMatching(/not valid JSON/) });
    expect(errorOf('"str"')).toMatchObject({ id: null });
    expect(errorOf('{"id":[1],"cmd":["PING"]}')).toMatchObject({
      id: null,
      message: 'ERR id must be a string or a number',
    });
    expect(errorOf('{"id":5}')).toMatchObject({ id: 5, message: expect.stringMatching(/no operation/) });
    expect(errorOf('{"id":6,"cmd":["A"],"multi":[["B"]]}')).toMatchObject({
      id: 6,
      message: expect.stringMatching(/several/),
    });
    expect(errorOf('{"id":"x","cmd":[1,{}]}')).toMatchObject({
      id: 'x',
      message: expect.stringMatching(/cmd\[1\]/),
    });
    expect(errorOf('{"id":8,"subscribe":[1]}')).toMatchObject({
      id: 8,
      message: expect.stringMatching(/array of names/),
    });
    expect(errorOf('{"id":9,"cmd":["PING"],"encoding":"hex"}')).toMatchObject({ id: 9 });
  });
});
