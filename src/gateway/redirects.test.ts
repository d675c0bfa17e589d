import { describe, expect, it } from 'vitest';
import { parseRedirect } from './redirects.js';

const frame = (text: string) => Buffer.from(`-${text}\r\n`, 'latin1');

describe('parseRedirect', () => {
  it('reads MOVED and ASK with host and port', () => {
    expect(parseRedirect(frame('MOVED 3999 127.0.0.1:6381'))).toMatchObject({
      kind: 'moved',
      slot: 3999,
      node: { host: '127.0.0.1', port: 6381, key: '127.0.0.1:6381' },
    });
    expect(parseRedirect(frame('ASK 12182 redis-2.internal:7000'))).toMatchObject({
      kind: 'ask',
      slot: 12182,
      node: { key: 'redis-2.internal:7000' },
    });
  });

  it('splits IPv6 endpoints at the last colon', () => {
    expect(parseRedirect(frame('MOVED 1 ::1:7001'))).toMatchObject({
      node: { host: '::1', key: '[::1]:7001' },
    });
    expect(parseRedirect(frame('ASK 1 2001:db8::5:7002'))).toMatchObject({
      node: { key: '[2001:db8::5]:7002' },
    });
  });

  it('uses the host that sent the redirect when it leaves the host out (unknown-endpoint)', () => {
    expect(parseRedirect(frame('MOVED 3999 :6381'), '10.0.0.7')).toMatchObject({
      kind: 'moved',
      node: { host: '10.0.0.7', port: 6381, key: '10.0.0.7:6381' },
    });
    expect(parseRedirect(frame('ASK 5 :7000'), 'node-a')).toMatchObject({
      kind: 'ask',
      node: { key: 'node-a:7000' },
    });
    // Without knowing who sent it, such a redirect cannot be followed: it goes to the client as is.
    expect(parseRedirect(frame('MOVED 3999 :6381'))).toBeNull();
  });

  it('recognises retry signals and leaves ordinary errors alone', () => {
    expect(parseRedirect(frame('TRYAGAIN Multiple keys request during rehashing of slot'))).toEqual({
      kind: 'retry',
      reason: 'TRYAGAIN',
    });
    expect(parseRedirect(frame('CLUSTERDOWN The cluster is down'))).toMatchObject({ reason: 'CLUSTERDOWN' });
    expect(parseRedirect(frame('LOADING Redis is loading the dataset in memory'))).toMatchObject({
      reason: 'LOADING',
    });
    expect(parseRedirect(frame('MASTERDOWN Link with MASTER is down'))).toMatchObject({
      reason: 'MASTERDOWN',
    });
    expect(parseRedirect(frame('ERR unknown command'))).toBeNull();
    expect(parseRedirect(frame('MOVEDX 1 a:1'))).toBeNull();
    expect(parseRedirect(frame('MOVED notaslot a:1'))).toBeNull();
    expect(parseRedirect(Buffer.from('+MOVED 1 a:1\r\n'))).toBeNull();
  });
});
