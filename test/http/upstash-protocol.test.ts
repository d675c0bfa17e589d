// The Upstash REST protocol byte for byte, beyond what the SDK exercises: path-style commands, body
// and query parameters as arguments, base64 details, status codes, the sync-token echo, binary keys,
// refused connection-state commands, and the SSE event format.

import { describe, expect, it } from 'vitest';
import { useCluster } from '../support/cluster.js';
import { bearer, postJson, request, useHttpGateway } from './http-gateway.js';

const TOKEN = 'protocol-test-token-0123456789';
const auth = bearer(TOKEN);

/** Accumulates an SSE response body; `until` waits, at most `timeoutMs`, for `needle` to arrive. */
function sseText(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  return {
    get text() {
      return text;
    },
    async until(needle: string, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!text.includes(needle)) {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(`no ${JSON.stringify(needle)} within ${timeoutMs} ms; got ${JSON.stringify(text)}`),
              ),
            Math.max(0, deadline - Date.now()),
          );
        });
        try {
          const { value, done } = await Promise.race([reader.read(), late]);
          if (done)
            throw new Error(`stream ended before ${JSON.stringify(needle)}; got ${JSON.stringify(text)}`);
          text += decoder.decode(value, { stream: true });
        } finally {
          clearTimeout(timer);
        }
      }
    },
  };
}

describe('Upstash REST protocol', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  const api = useHttpGateway(cluster, { tokens: [{ token: TOKEN, scope: 'full' }] });

  it('runs path-style commands with GET, and ?_token= instead of the header', async () => {
    expect(await request(`${api().url}/set/path:foo/bar`, { headers: auth })).toMatchObject({
      status: 200,
      body: { result: 'OK' },
    });
    const got = await request(`${api().url}/get/path:foo?_token=${TOKEN}`);
    expect(got).toMatchObject({ status: 200, body: { result: 'bar' } });
    const mget = await request(`${api().url}/mget/path:foo/path:none/path:foo`, { headers: auth });
    expect(mget.body).toEqual({ result: ['bar', null, 'bar'] });
  });

  it('appends a POST body as the last argument, then query parameters', async () => {
    const body = '{"json": "value", "with": ["a/b?c"]}';
    const set = await request(`${api().url}/set/path:body?EX=100`, { method: 'POST', headers: auth, body });
    expect(set).toMatchObject({ status: 200, body: { result: 'OK' } });
    expect((await postJson(api().url, ['GET', 'path:body'], auth)).body).toEqual({ result: body });
    const ttl = (await postJson(api().url, ['TTL', 'path:body'], auth)).body as { result: number };
    expect(ttl.result).toBeGreaterThan(90);
    // Flags without a value are one argument: ?NX
    const nx = await request(`${api().url}/set/path:body?NX`, {
      method: 'PUT',
      headers: auth,
      body: 'other',
    });
    expect(nx.body).toEqual({ result: null });
  });

  it('percent-decodes path segments to raw bytes (binary-safe keys and values)', async () => {
    const set = await request(`${api().url}/set/bin%00key%FF/%E2%9C%93%0A%2F`, { headers: auth });
    expect(set.status).toBe(200);
    const got = await postJson(
      `${api().url}/pipeline`,
      [['GET', Buffer.from('bin\0key\xff', 'latin1').toString('latin1')]],
      auth,
    );
    // A JSON string cannot carry the 0xFF byte as such; base64 shows the exact bytes.
    expect(got.status).toBe(200);
    const b64 = await request(`${api().url}/get/bin%00key%FF`, {
      headers: { ...auth, 'upstash-encoding': 'base64' },
    });
    expect(Buffer.from((b64.body as { result: string }).result, 'base64').toString('utf8')).toBe('✓\n/');
  });

  it('base64 encodes every string except a top-level OK, numbers and nulls stay JSON', async () => {
    const h = { ...auth, 'upstash-encoding': 'base64' };
    expect((await postJson(api().url, ['SET', 'b64:k', 'OK'], h)).body).toEqual({ result: 'OK' });
    expect((await postJson(api().url, ['GET', 'b64:k'], h)).body).toEqual({ result: 'T0s=' });
    expect((await postJson(api().url, ['PING'], h)).body).toEqual({ result: 'UE9ORw==' });
    expect((await postJson(api().url, ['INCR', 'b64:n'], h)).body).toEqual({ result: 1 });
    expect((await postJson(api().url, ['GET', 'b64:none'], h)).body).toEqual({ result: null });
    await postJson(api().url, ['RPUSH', 'b64:l', 'a', 'b'], h);
    expect((await postJson(api().url, ['LRANGE', 'b64:l', 0, -1], h)).body).toEqual({
      result: ['YQ==', 'Yg=='],
    });
    // Nested arrays, and an OK inside an array is encoded too.
    const nested = await postJson(
      api().url,
      ['EVAL', "return {'a', {'b', 7}, redis.status_reply('OK')}", 0],
      h,
    );
    expect(nested.body).toEqual({ result: ['YQ==', ['Yg==', 7], 'T0s='] });
    const pipeline = await postJson(
      `${api().url}/pipeline`,
      [
        ['SET', 'b64:p', 'v'],
        ['GET', 'b64:p'],
        ['INCR', 'b64:p'],
      ],
      h,
    );
    expect(pipeline.body).toEqual([
      { result: 'OK' },
      { result: 'dg==' },
      { error: 'ERR value is not an integer or out of range' },
    ]);
  });

  it('answers Redis errors with 400 and their text unchanged (NOSCRIPT included)', async () => {
    const noscript = await postJson(api().url, ['EVALSHA', 'a'.repeat(40), 0], auth);
    expect(noscript.status).toBe(400);
    expect(noscript.body).toMatchObject({ error: 'NOSCRIPT No matching script. Please use EVAL.' });
    await postJson(api().url, ['SET', 'err:s', 'v'], auth);
    const wrongType = await postJson(api().url, ['LPUSH', 'err:s', 'x'], auth);
    expect(wrongType).toMatchObject({
      status: 400,
      body: { error: 'WRONGTYPE Operation against a key holding the wrong kind of value', code: 'WRONGTYPE' },
    });
    const unknown = await postJson(api().url, ['NOSUCHCMD', 'x'], auth);
    expect(unknown.status).toBe(400);
    expect((unknown.body as { error: string }).error).toMatch(/^ERR unknown command 'NOSUCHCMD'/);
  });

  it('answers malformed requests with 400 JSON, unsupported methods with 405, unknown paths with 404', async () => {
    const notJson = await request(api().url, { method: 'POST', headers: auth, body: '{not json' });
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ code: 'BAD_REQUEST' });
    expect((await postJson(api().url, [], auth)).status).toBe(400);
    expect((await postJson(api().url, ['SET', { nested: 1 }, 'v'], auth)).status).toBe(400);
    expect((await postJson(`${api().url}/pipeline`, [['GET', 'a'], 'GET'], auth)).status).toBe(400);
    const del = await request(`${api().url}/get/foo`, { method: 'DELETE', headers: auth });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toContain('POST');
    expect(del.body).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    expect((await request(`${api().url}/pipeline`, { headers: auth })).status).toBe(405);
    // Upstash takes HEAD, GET, POST and PUT for commands; anything else is 405.
    const patch = await request(`${api().url}/set/foo/bar`, { method: 'PATCH', headers: auth });
    expect(patch).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED' } });
    const head = await fetch(`${api().url}/echo/headed`, { method: 'HEAD', headers: auth });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe('{"result":"headed"}'.length);
    expect(await head.text()).toBe('');
    expect((await request(`${api().url}/v1/nothing/here`, { headers: auth })).status).toBe(404);
  });

  it('echoes upstash-sync-token', async () => {
    const sync = { ...auth, 'upstash-sync-token': 'sync-123' };
    const res = await postJson(api().url, ['PING'], sync);
    expect(res.headers.get('upstash-sync-token')).toBe('sync-123');
    const pipeline = await postJson(
      `${api().url}/pipeline`,
      [
        ['SET', 'sync:a', '1'],
        ['GET', 'sync:a'],
      ],
      sync,
    );
    expect(pipeline).toMatchObject({ status: 200, body: [{ result: 'OK' }, { result: '1' }] });
    expect(pipeline.headers.get('upstash-sync-token')).toBe('sync-123');
    const multi = await postJson(
      `${api().url}/multi-exec`,
      [
        ['INCR', '{sync}n'],
        ['GET', '{sync}n'],
      ],
      sync,
    );
    expect(multi).toMatchObject({ status: 200, body: [{ result: 1 }, { result: '1' }] });
    expect(multi.headers.get('upstash-sync-token')).toBe('sync-123');
    // Errors too: a Redis error reply, an aborted transaction, and a request refused before it ran.
    const wrongType = await postJson(api().url, ['LPUSH', 'sync:a', 'x'], sync);
    expect(wrongType).toMatchObject({ status: 400, body: { code: 'WRONGTYPE' } });
    expect(wrongType.headers.get('upstash-sync-token')).toBe('sync-123');
    const aborted = await postJson(`${api().url}/multi-exec`, [['GET']], sync);
    expect(aborted).toMatchObject({ status: 400, body: { code: 'EXECABORT' } });
    expect(aborted.headers.get('upstash-sync-token')).toBe('sync-123');
    for (const path of ['/', '/pipeline', '/multi-exec']) {
      const malformed = await request(`${api().url}${path}`, {
        method: 'POST',
        headers: sync,
        body: '{not json',
      });
      expect(malformed, path).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
      expect(malformed.headers.get('upstash-sync-token'), path).toBe('sync-123');
    }
  });

  it('refuses connection-state commands on the shared path, explaining where to go', async () => {
    for (const command of [
      ['MULTI'],
      ['SUBSCRIBE', 'x'],
      ['SELECT', '1'],
      ['AUTH', 'p'],
      ['CLIENT', 'REPLY', 'OFF'],
    ]) {
      const res = await postJson(api().url, command, auth);
      expect(res.status, command.join(' ')).toBe(400);
      expect((res.body as { error: string }).error).toMatch(/is not available here/);
    }
    const pipeline = await postJson(`${api().url}/pipeline`, [['PING'], ['WATCH', 'k']], auth);
    expect(pipeline.body).toEqual([
      { result: 'PONG' },
      { error: expect.stringMatching(/WATCH is not available here/) },
    ]);
  });

  it('runs blocking commands on their own connection without holding up others', async () => {
    const blocked = postJson(api().url, ['BLPOP', 'block:list', 5], auth);
    await new Promise((r) => setTimeout(r, 100));
    // Other requests are served while BLPOP waits...
    expect((await postJson(api().url, ['PING'], auth)).body).toEqual({ result: 'PONG' });
    await postJson(api().url, ['RPUSH', 'block:list', 'item'], auth);
    // ...and BLPOP gets the pushed item.
    expect((await blocked).body).toEqual({ result: ['block:list', 'item'] });
  });

  it('gives up the connection of a blocking command whose client went away', async () => {
    const controller = new AbortController();
    const blocked = fetch(api().url, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify(['BLPOP', 'block:forever', 0]),
      signal: controller.signal,
    }).catch((err: Error) => err.name);
    await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    expect(await blocked).toBe('AbortError');
    await new Promise((r) => setTimeout(r, 200));
    // Nobody is waiting any more: a pushed item stays in the list instead of feeding the dead BLPOP.
    await postJson(api().url, ['RPUSH', 'block:forever', 'kept'], auth);
    expect((await postJson(api().url, ['LRANGE', 'block:forever', 0, -1], auth)).body).toEqual({
      result: ['kept'],
    });
  });

  it('multi-exec answers one envelope per command, EXECABORT with the cause', async () => {
    const ok = await postJson(
      `${api().url}/multi-exec`,
      [
        ['SET', '{m}a', '1'],
        ['INCR', '{m}a'],
        ['HGET', '{m}a', 'f'],
      ],
      auth,
    );
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual([
      { result: 'OK' },
      { result: 2 },
      { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' },
    ]);
    const aborted = await postJson(`${api().url}/multi-exec`, [['SET', '{m}a', '1'], ['GET']], auth);
    expect(aborted.status).toBe(400);
    expect(aborted.body).toMatchObject({
      error: expect.stringMatching(
        /^EXECABORT Transaction discarded because of previous errors: command 2 \(GET\): ERR wrong number/,
      ),
      code: 'EXECABORT',
      commandErrors: [{ index: 1, error: expect.stringMatching(/^ERR wrong number of arguments/) }],
    });
  });

  /** Opens an SSE subscription at `path`, runs `body` on its stream, then closes it. */
  async function withSse(path: string, body: (stream: ReturnType<typeof sseText>) => Promise<void>) {
    const controller = new AbortController();
    const res = await fetch(`${api().url}${path}`, {
      headers: { ...auth, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    try {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      await body(sseText(res));
    } finally {
      controller.abort();
    }
  }

  it('streams subscriptions as server-sent events in the SDK format', async () => {
    await withSse('/subscribe/sse:a/sse:b', async (stream) => {
      await stream.until('subscribe,sse:b,2');
      expect(stream.text).toBe('data: subscribe,sse:a,1\n\ndata: subscribe,sse:b,2\n\n');
      await postJson(api().url, ['PUBLISH', 'sse:b', 'line one\nline two, with comma'], auth);
      await stream.until('line two');
      expect(stream.text).toContain('data: message,sse:b,line one\ndata: line two, with comma\n\n');
    });
    const refused = await request(`${api().url}/subscribe`, { headers: auth });
    expect(refused.status).toBe(400);
  });

  it('streams pattern subscriptions as server-sent events: psubscribe, then pmessage', async () => {
    await withSse('/psubscribe/psse:news.*/psse:alerts.*', async (stream) => {
      await stream.until('psubscribe,psse:alerts.*,2');
      expect(stream.text).toBe('data: psubscribe,psse:news.*,1\n\ndata: psubscribe,psse:alerts.*,2\n\n');
      // Matches neither pattern, so never delivered; arriving ahead of the match, the exact text below
      // would show it.
      await postJson(api().url, ['PUBLISH', 'psse:weather', 'no'], auth);
      // JSON, as the SDK's psubscribe parses it; its commas stay in the payload.
      const published = await postJson(api().url, ['PUBLISH', 'psse:news.sport', '{"score":[1,2]}'], auth);
      expect(published.status).toBe(200);
      await stream.until('{"score":[1,2]}\n\n');
      expect(stream.text).toBe(
        'data: psubscribe,psse:news.*,1\n\n' +
          'data: psubscribe,psse:alerts.*,2\n\n' +
          'data: pmessage,psse:news.*,psse:news.sport,{"score":[1,2]}\n\n',
      );
    });
    const refused = await request(`${api().url}/psubscribe`, { headers: auth });
    expect(refused.status).toBe(400);
  });
});
