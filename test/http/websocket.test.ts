// The WebSocket protocol at /ws: {id, cmd} → {id, result|error}; pipelines and transactions;
// subscribe / psubscribe / ssubscribe pushes and unsubscribing; base64 frames; token auth; and a
// reply (with the id when there is one) for every malformed frame.

import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { useCluster } from '../support/cluster.js';
import { useHttpGateway } from './http-gateway.js';

const TOKEN = 'websocket-test-token-0123456789';
const READ_ONLY = 'websocket-read-only-0123456789';

type Frame = Record<string, unknown>;

/** A connected client that collects every frame and waits for the ones it needs. */
class TestSocket {
  readonly frames: Frame[] = [];
  private waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.once('open', () => resolve(new TestSocket(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame (from now on or already received) matching `predicate`. */
  async next(predicate: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex(predicate);
      if (i >= 0) return this.frames.splice(i, 1)[0]!;
      if (Date.now() > until) throw new Error(`no matching frame; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Sends a frame and waits for the reply with its id. */
  async call(frame: Frame): Promise<Frame> {
    this.send(frame);
    return this.next((f) => f.id === frame.id);
  }

  close(): void {
    this.ws.close();
  }
}

describe('WebSocket protocol', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  const api = useHttpGateway(cluster, {
    tokens: [
      { token: TOKEN, scope: 'full' },
      { token: READ_ONLY, scope: 'read-only' },
    ],
  });
  const wsUrl = (query = `?token=${TOKEN}`) => `${api().url.replace('http', 'ws')}/ws${query}`;

  it('answers commands under their id, string or number', async () => {
    const s = await TestSocket.open(wsUrl());
    try {
      expect(await s.call({ id: 1, cmd: ['SET', 'ws:a', 'hello'] })).toEqual({ id: 1, result: 'OK' });
      expect(await s.call({ id: 'two', cmd: ['GET', 'ws:a'] })).toEqual({ id: 'two', result: 'hello' });
      expect(await s.call({ id: 3, cmd: ['INCR', 'ws:a'] })).toEqual({
        id: 3,
        error: 'ERR value is not an integer or out of range',
      });
      expect(await s.call({ id: 4, cmd: ['MGET', 'ws:a', 'ws:none', 'ws:a'] })).toEqual({
        id: 4,
        result: ['hello', null, 'hello'],
      });
      expect(await s.call({ id: 5, cmd: ['RPUSH', 'ws:l', 1, 2.5, true] })).toEqual({ id: 5, result: 3 });
      expect(await s.call({ id: 6, cmd: ['LRANGE', 'ws:l', 0, -1] })).toEqual({
        id: 6,
        result: ['1', '2.5', 'true'],
      });
    } finally {
      s.close();
    }
  });

  it('runs pipelines and transactions', async () => {
    const s = await TestSocket.open(wsUrl());
    try {
      const pipeline = await s.call({
        id: 'p',
        pipeline: [
          ['SET', 'ws:p', '1'],
          ['INCR', 'ws:p'],
          ['HGET', 'ws:p', 'f'],
        ],
      });
      expect(pipeline).toEqual({
        id: 'p',
        results: [
          { result: 'OK' },
          { result: 2 },
          { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' },
        ],
      });
      const multi = await s.call({
        id: 'm',
        multi: [
          ['SET', '{ws}a', 'x'],
          ['APPEND', '{ws}a', 'y'],
          ['GET', '{ws}a'],
        ],
      });
      expect(multi).toEqual({ id: 'm', results: [{ result: 'OK' }, { result: 2 }, { result: 'xy' }] });
      const crossSlot = await s.call({
        id: 'x',
        multi: [
          ['SET', 'ws:one', '1'],
          ['SET', 'ws:two', '2'],
        ],
      });
      expect(crossSlot.error).toMatch(/^EXECABORT .*CROSSSLOT/);
    } finally {
      s.close();
    }
  });

  it('encodes strings both ways in base64 frames', async () => {
    const s = await TestSocket.open(wsUrl());
    const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
    try {
      const value = Buffer.from([0, 0xff, 0x80, 10]);
      expect(
        await s.call({
          id: 1,
          encoding: 'base64',
          cmd: [b64('SET'), b64('ws:bin'), value.toString('base64')],
        }),
      ).toEqual({ id: 1, result: b64('OK') });
      const got = await s.call({ id: 2, encoding: 'base64', cmd: [b64('GET'), b64('ws:bin')] });
      expect(Buffer.from(got.result as string, 'base64')).toEqual(value);
      expect(await s.call({ id: 3, encoding: 'base64', cmd: [b64('STRLEN'), b64('ws:bin')] })).toEqual({
        id: 3,
        result: 4,
      });
      expect(await s.call({ id: 4, encoding: 'base64', cmd: ['not base64!'] })).toEqual({
        id: 4,
        error: 'ERR cmd[0] is not valid base64',
      });
    } finally {
      s.close();
    }
  });

  it('pushes subscribe, psubscribe and ssubscribe messages, and stops after unsubscribe', async () => {
    const s = await TestSocket.open(wsUrl());
    const publisher = await TestSocket.open(wsUrl());
    try {
      expect(await s.call({ id: 1, subscribe: ['ws-news', 'ws-other'] })).toEqual({ id: 1, result: 'OK' });
      expect(await s.call({ id: 2, psubscribe: ['ws-p.*'] })).toEqual({ id: 2, result: 'OK' });
      // Sharded channels of different slots in one frame.
      expect(await s.call({ id: 3, ssubscribe: ['ws-shard-a', 'ws-shard-b'] })).toEqual({
        id: 3,
        result: 'OK',
      });

      await publisher.call({ id: 'a', cmd: ['PUBLISH', 'ws-news', 'n1'] });
      await publisher.call({ id: 'b', cmd: ['PUBLISH', 'ws-p.x', 'p1'] });
      await publisher.call({ id: 'c', cmd: ['SPUBLISH', 'ws-shard-b', 's1'] });
      expect(await s.next((f) => f.type === 'message')).toEqual({
        type: 'message',
        channel: 'ws-news',
        message: 'n1',
      });
      expect(await s.next((f) => f.type === 'pmessage')).toEqual({
        type: 'pmessage',
        pattern: 'ws-p.*',
        channel: 'ws-p.x',
        message: 'p1',
      });
      expect(await s.next((f) => f.type === 'smessage')).toEqual({
        type: 'smessage',
        channel: 'ws-shard-b',
        message: 's1',
      });

      expect(await s.call({ id: 4, unsubscribe: ['ws-news'] })).toEqual({ id: 4, result: 'OK' });
      expect(await s.call({ id: 5, punsubscribe: [] })).toEqual({ id: 5, result: 'OK' });
      await publisher.call({ id: 'd', cmd: ['PUBLISH', 'ws-news', 'n2'] });
      await publisher.call({ id: 'e', cmd: ['PUBLISH', 'ws-p.x', 'p2'] });
      await publisher.call({ id: 'f', cmd: ['PUBLISH', 'ws-other', 'o1'] });
      // ws-other is still subscribed; it arrives after the messages that should not.
      expect(await s.next((f) => f.type === 'message')).toEqual({
        type: 'message',
        channel: 'ws-other',
        message: 'o1',
      });
      expect(s.frames.filter((f) => f.type !== undefined)).toEqual([]);

      // Commands keep working on the same socket while subscribed.
      expect(await s.call({ id: 6, cmd: ['PING'] })).toEqual({ id: 6, result: 'PONG' });
      // base64 subscriptions deliver base64 messages.
      expect(
        await s.call({ id: 7, encoding: 'base64', subscribe: [Buffer.from('ws-bin').toString('base64')] }),
      ).toEqual({
        id: 7,
        result: 'OK',
      });
      await publisher.call({ id: 'g', cmd: ['PUBLISH', 'ws-bin', 'bytes'] });
      expect(await s.next((f) => f.type === 'message')).toEqual({
        type: 'message',
        channel: Buffer.from('ws-bin').toString('base64'),
        message: Buffer.from('bytes').toString('base64'),
      });
    } finally {
      s.close();
      publisher.close();
    }
  });

  it('answers every malformed frame, with its id when it has one', async () => {
    const s = await TestSocket.open(wsUrl());
    try {
      s.send('{not json');
      expect(await s.next(() => true)).toEqual({
        id: null,
        error: expect.stringMatching(/^ERR frame is not valid JSON/),
      });
      s.send('[1,2]');
      expect(await s.next(() => true)).toEqual({
        id: null,
        error: expect.stringMatching(/^ERR frame must be a JSON object/),
      });
      expect(await s.call({ id: 10 })).toEqual({
        id: 10,
        error: expect.stringMatching(/^ERR frame has no operation/),
      });
      expect(await s.call({ id: 11, cmd: 'GET k' })).toEqual({
        id: 11,
        error: expect.stringMatching(/^ERR cmd must be a JSON array/),
      });
      expect(await s.call({ id: 12, cmd: [] })).toEqual({
        id: 12,
        error: expect.stringMatching(/^ERR cmd is empty/),
      });
      expect(await s.call({ id: 13, cmd: ['GET', null] })).toEqual({
        id: 13,
        error: expect.stringMatching(/^ERR cmd\[1\] must be/),
      });
      expect(await s.call({ id: 14, cmd: ['PING'], pipeline: [['PING']] })).toEqual({
        id: 14,
        error: expect.stringMatching(/several operations/),
      });
      expect(await s.call({ id: 15, cmd: ['PING'], bogus: 1 })).toEqual({
        id: 15,
        error: expect.stringMatching(/unknown field "bogus"/),
      });
      expect(await s.call({ id: 16, cmd: ['PING'], encoding: 'hex' })).toEqual({
        id: 16,
        error: expect.stringMatching(/encoding/),
      });
      expect(await s.call({ id: 17, pipeline: [] })).toEqual({
        id: 17,
        error: expect.stringMatching(/pipeline is empty/),
      });
      expect(await s.call({ id: 18, subscribe: [] })).toEqual({
        id: 18,
        error: expect.stringMatching(/at least one name/),
      });
      s.send({ id: { nested: true }, cmd: ['PING'] });
      expect(await s.next(() => true)).toEqual({ id: null, error: 'ERR id must be a string or a number' });
      s.ws.send(Buffer.from('binary'), { binary: true });
      expect(await s.next(() => true)).toEqual({ id: null, error: expect.stringMatching(/binary frames/) });
      expect(await s.call({ id: 19, cmd: ['MULTI'] })).toEqual({
        id: 19,
        error: expect.stringMatching(/not available here/),
      });
      // The connection is still fine after all that.
      expect(await s.call({ id: 20, cmd: ['PING'] })).toEqual({ id: 20, result: 'PONG' });
    } finally {
      s.close();
    }
  });

  it('authenticates with ?token= or a bearer header, and applies the token scope', async () => {
    await expect(TestSocket.open(wsUrl(''))).rejects.toThrow('HTTP 401');
    await expect(TestSocket.open(wsUrl('?token=wrong-token-wrong-token'))).rejects.toThrow('HTTP 401');
    const viaHeader = await TestSocket.open(wsUrl(''), { authorization: `Bearer ${READ_ONLY}` });
    try {
      expect(await viaHeader.call({ id: 1, cmd: ['SET', 'ws:ro', 'x'] })).toEqual({
        id: 1,
        error: "NOPERM this token is read-only and cannot run the 'set' command",
      });
      expect(await viaHeader.call({ id: 2, cmd: ['GET', 'ws:ro'] })).toEqual({ id: 2, result: null });
      expect(await viaHeader.call({ id: 3, multi: [['SET', 'ws:ro', 'x']] })).toEqual({
        id: 3,
        error: expect.stringMatching(/^NOPERM/),
      });
    } finally {
      viaHeader.close();
    }
    await expect(
      TestSocket.open(`${api().url.replace('http', 'ws')}/ws/other?token=${TOKEN}`),
    ).rejects.toThrow('HTTP 404');
    const plainGet = await fetch(`${api().url}/ws`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(plainGet.status).toBe(426);
  });
});
