// Access control of the HTTP API: read-only tokens refused on every write command the backend
// lists, key-prefix tokens kept inside their prefix, 401 without a valid token, 429 past the rate
// limit, CORS preflights, and a token-less API that binds to loopback only.

import http from 'node:http';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AdminClient } from '../../src/backend/admin-client.js';
import { defaultConfig } from '../../src/config/schema.js';
import { startHttpServer } from '../../src/http/http-server.js';
import { useCluster } from '../support/cluster.js';
import { type Plain, plain } from '../support/resp-plain.js';
import { bearer, postJson, request, useHttpGateway } from './http-gateway.js';

const FULL = 'full-scope-token-0123456789';
const READ_ONLY = 'read-only-token-0123456789';
const PREFIXED = 'prefixed-token-0123456789ab';
const LIMITED = 'rate-limited-token-01234567';
const ORIGIN = 'https://app.example.com';

/** Every command and subcommand (`container|sub`) that a server's COMMAND reply flags `write`. */
async function writeCommandsOf(port: number): Promise<Array<{ name: string; arity: number }>> {
  const admin = await AdminClient.connect({ host: '127.0.0.1', port });
  try {
    const out: Array<{ name: string; arity: number }> = [];
    // COMMAND entries: [name, arity, flags, first key, last key, step, ACL categories, tips, key specs, subcommands].
    const visit = (entry: Plain[]) => {
      if ((entry[2] as string[]).includes('write'))
        out.push({ name: entry[0] as string, arity: entry[1] as number });
      for (const sub of (entry[9] as Plain[][] | undefined) ?? []) visit(sub);
    };
    for (const entry of plain(await admin.call('COMMAND')) as Plain[][]) visit(entry);
    return out;
  } finally {
    admin.close();
  }
}

type Frame = Record<string, unknown>;

/** A WebSocket to the API with `token`; rejects with `HTTP <status>` when the upgrade is refused. */
function openSocket(url: string, token: string, origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws?token=${token}`, origin ? { origin } : {});
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      reject(new Error(`HTTP ${res.statusCode}`));
    });
    ws.once('error', reject);
  });
}

/** Sends `frames` at once and resolves with the answers, in the order of the frames (matched by id). */
function exchangeFrames(ws: WebSocket, frames: Frame[]): Promise<Frame[]> {
  return new Promise((resolve, reject) => {
    const byId = new Map<unknown, Frame>();
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data)) as Frame;
      byId.set(frame.id, frame);
      if (byId.size < frames.length) return;
      ws.off('message', onMessage);
      resolve(frames.map((f) => byId.get(f.id)!));
    };
    ws.on('message', onMessage);
    ws.once('close', () => reject(new Error(`socket closed with ${byId.size}/${frames.length} answers`)));
    for (const frame of frames) ws.send(JSON.stringify(frame));
  });
}

describe('HTTP API access control', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  const api = useHttpGateway(cluster, {
    tokens: [
      { token: FULL, scope: 'full' },
      { token: READ_ONLY, scope: 'read-only' },
      { token: PREFIXED, scope: 'full', keyPrefix: 'app:' },
      { token: LIMITED, scope: 'full', rateLimitPerSecond: 2 },
    ],
    corsOrigins: [ORIGIN],
  });

  it('refuses every write command the backend lists to a read-only token, and writes nothing', async () => {
    // The list comes from a backend node's own COMMAND reply, not from the gateway's table.
    const backendWrites = await writeCommandsOf(cluster().nodes[0]!.port);
    const gatewayWrites = [...api().gateway.gateway.commands.all()].filter((e) => e.write);
    expect(gatewayWrites.map((e) => e.spec.name).sort()).toEqual(backendWrites.map((c) => c.name).sort());
    expect(backendWrites.length).toBeGreaterThan(80);
    const writes = backendWrites.map(({ name, arity }) => {
      const [container, sub] = name.split('|');
      const args = sub ? [container!, sub] : [container!];
      // Enough arguments for any arity; they are never sent.
      while (args.length < Math.max(Math.abs(arity), 4)) args.push(`ro:key${args.length}`);
      return args;
    });
    const dbsize = async () =>
      ((await postJson(api().url, ['DBSIZE'], bearer(READ_ONLY))).body as { result: number }).result;
    const before = await dbsize();

    // Each alone: 403 with a JSON body.
    for (const args of writes) {
      const res = await postJson(api().url, args, bearer(READ_ONLY));
      expect(res.status, args.join(' ')).toBe(403);
      expect(res.body, args.join(' ')).toMatchObject({
        code: 'NOPERM',
        error: expect.stringMatching(/^NOPERM this token is read-only/),
      });
    }
    // All in one pipeline: every entry refused.
    const replies = (await postJson(`${api().url}/pipeline`, writes, bearer(READ_ONLY))).body as Array<{
      error?: string;
    }>;
    expect(replies).toHaveLength(writes.length);
    replies.forEach((reply, i) => {
      expect(reply.error, writes[i]!.join(' ')).toMatch(/^NOPERM this token is read-only/);
    });
    // And over the WebSocket, in one pipeline frame.
    const ws = await openSocket(api().url, READ_ONLY);
    try {
      const [answer] = await exchangeFrames(ws, [{ id: 'writes', pipeline: writes }]);
      const results = answer!.results as Array<{ error?: string }>;
      expect(results).toHaveLength(writes.length);
      results.forEach((reply, i) => {
        expect(reply.error, writes[i]!.join(' ')).toMatch(/^NOPERM this token is read-only/);
      });
    } finally {
      ws.close();
    }
    // Scripts that may write and PUBLISH are refused too; the read-only variants run.
    for (const args of [
      ['EVAL', 'return 1', '0'],
      ['PUBLISH', 'c', 'm'],
      ['FCALL', 'f', '0'],
    ]) {
      expect((await postJson(api().url, args, bearer(READ_ONLY))).status, args[0]).toBe(403);
    }
    expect((await postJson(api().url, ['EVAL_RO', 'return 7', '0'], bearer(READ_ONLY))).body).toEqual({
      result: 7,
    });
    const transaction = await postJson(
      `${api().url}/multi-exec`,
      [
        ['GET', '{t}a'],
        ['SET', '{t}a', '1'],
      ],
      bearer(READ_ONLY),
    );
    expect(transaction.status).toBe(403);
    const typed = await request(`${api().url}/v1/strings/ro:typed`, {
      method: 'PUT',
      headers: bearer(READ_ONLY),
      body: JSON.stringify({ value: 'x' }),
    });
    expect(typed.status).toBe(403);
    expect(await dbsize()).toBe(before);

    // Reads work.
    await postJson(api().url, ['SET', 'ro:readable', 'yes'], bearer(FULL));
    expect((await postJson(api().url, ['GET', 'ro:readable'], bearer(READ_ONLY))).body).toEqual({
      result: 'yes',
    });
    expect((await postJson(api().url, ['MGET', 'ro:readable', 'ro:x'], bearer(READ_ONLY))).status).toBe(200);
  });

  it('keeps a key-prefix token inside its prefix', async () => {
    const h = bearer(PREFIXED);
    expect((await postJson(api().url, ['SET', 'app:one', '1'], h)).body).toEqual({ result: 'OK' });
    expect((await postJson(api().url, ['MSET', 'app:a', '1', 'app:b', '2'], h)).status).toBe(200);
    const refused = await postJson(api().url, ['GET', 'other:one'], h);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      error: "NOPERM this token may only use keys starting with 'app:'",
      code: 'NOPERM',
    });
    expect((await postJson(api().url, ['MGET', 'app:a', 'secret'], h)).status).toBe(403);
    expect((await postJson(api().url, ['RENAME', 'app:a', 'b'], h)).status).toBe(403);
    // Keyless commands that reach every key, and scripts, are refused; SCAN/KEYS inside the prefix are not.
    for (const args of [
      ['KEYS', '*'],
      ['SCAN', '0'],
      ['FLUSHALL'],
      ['DBSIZE'],
      ['EVAL', 'return 1', '0'],
      ['RANDOMKEY'],
    ]) {
      expect((await postJson(api().url, args, h)).status, args.join(' ')).toBe(403);
    }
    expect((await postJson(api().url, ['KEYS', 'app:*'], h)).status).toBe(200);
    expect((await postJson(api().url, ['SCAN', '0', 'MATCH', 'app:*', 'COUNT', '10'], h)).status).toBe(200);
    expect((await postJson(api().url, ['PING'], h)).body).toEqual({ result: 'PONG' });
    expect((await postJson(api().url, ['PUBLISH', 'app:chan', 'm'], h)).status).toBe(200);
    expect((await postJson(api().url, ['PUBLISH', 'chan', 'm'], h)).status).toBe(403);
    expect((await request(`${api().url}/subscribe/news`, { headers: h })).status).toBe(403);
    expect((await request(`${api().url}/psubscribe/news*`, { headers: h })).status).toBe(403);
    // Sharded channels too: SPUBLISH over REST, SSUBSCRIBE over the WebSocket.
    expect((await postJson(api().url, ['SPUBLISH', 'app:chan', 'm'], h)).status).toBe(200);
    expect((await postJson(api().url, ['SPUBLISH', 'chan', 'm'], h)).status).toBe(403);
    const ws = await openSocket(api().url, PREFIXED);
    try {
      const [inside, outside] = await exchangeFrames(ws, [
        { id: 1, ssubscribe: ['app:room'] },
        { id: 2, ssubscribe: ['room'] },
      ]);
      expect(inside).toEqual({ id: 1, result: 'OK' });
      expect(outside).toMatchObject({ id: 2, error: expect.stringMatching(/^NOPERM .*'app:'/) });
    } finally {
      ws.close();
    }
    // Typed routes follow the same rule.
    expect((await request(`${api().url}/v1/strings/app:one`, { headers: h })).body).toEqual({ value: '1' });
    expect((await request(`${api().url}/v1/strings/one`, { headers: h })).status).toBe(403);
    expect((await request(`${api().url}/v1/keys?match=app:*`, { headers: h })).status).toBe(200);
    expect((await request(`${api().url}/v1/keys`, { headers: h })).status).toBe(403);
  });

  it('answers 401 without a valid token', async () => {
    const none = await postJson(api().url, ['PING']);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ code: 'UNAUTHORIZED', error: expect.stringMatching(/^NOAUTH/) });
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await postJson(api().url, ['PING'], bearer('not-a-valid-token-at-all'));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: 'WRONGPASS invalid or unknown API token' });
    expect((await request(`${api().url}/get/x?_token=nope`)).status).toBe(401);
    // ?token= is for WebSocket upgrades only; on a path-style command it would be two more arguments.
    expect((await request(`${api().url}/get/x?token=${FULL}`)).status).toBe(401);
    expect((await request(`${api().url}/v1/strings/x`)).status).toBe(401);
    expect((await request(`${api().url}/cluster/info`)).status).toBe(401);
    expect((await request(`${api().url}/subscribe/x`)).status).toBe(401);
    // Health and the API description stay public.
    expect((await request(`${api().url}/healthz`)).status).toBe(200);
    expect((await request(`${api().url}/openapi.json`)).status).toBe(200);
  });

  it('answers 429 with Retry-After once a token is over its rate limit, then recovers', async () => {
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => postJson(api().url, ['PING'], bearer(LIMITED))),
    );
    const elapsedSeconds = (Date.now() - started) / 1000;
    const passed = results.filter((r) => r.status === 200).length;
    // A burst of 2, plus whatever refilled while the requests were arriving (a loaded machine is slow).
    expect(passed).toBeGreaterThanOrEqual(2);
    expect(passed).toBeLessThanOrEqual(2 + Math.ceil(elapsedSeconds * 2));
    expect(results.filter((r) => r.status !== 200).every((r) => r.status === 429)).toBe(true);
    const limited = results.find((r) => r.status === 429)!;
    expect(limited.body).toMatchObject({
      code: 'RATE_LIMITED',
      error: expect.stringMatching(/^RATELIMITED/),
    });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Other tokens are not affected; the limited one recovers within a second.
    expect((await postJson(api().url, ['PING'], bearer(FULL))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 600));
    expect((await postJson(api().url, ['PING'], bearer(LIMITED))).status).toBe(200);
  });

  it('limits WebSocket upgrades (429) and frames (an error answer under the frame id) per token', async () => {
    // Let the bucket of the test before refill.
    await new Promise((r) => setTimeout(r, 1100));
    const attempts = await Promise.allSettled(
      Array.from({ length: 5 }, () => openSocket(api().url, LIMITED)),
    );
    const opened = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
    try {
      const refused = attempts.flatMap((a) => (a.status === 'rejected' ? [(a.reason as Error).message] : []));
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.every((m) => m === 'HTTP 429')).toBe(true);
      expect(opened.length).toBeGreaterThan(0);
      const frames = Array.from({ length: 10 }, (_, i) => ({ id: `f${i}`, cmd: ['PING'] }));
      const answers = await exchangeFrames(opened[0]!, frames);
      const limited = answers.filter((a) => a.error !== undefined);
      expect(limited.length).toBeGreaterThan(0);
      for (const a of limited) expect(a.error).toMatch(/^RATELIMITED too many requests for this token/);
      expect(answers.filter((a) => a.result !== undefined).every((a) => a.result === 'PONG')).toBe(true);
    } finally {
      for (const ws of opened) ws.close();
    }
  });

  it('answers CORS preflights for allowed origins with the SDK headers, refuses other origins', async () => {
    const preflight = await request(api().url, {
      method: 'OPTIONS',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,upstash-encoding,upstash-sync-token',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const allowed = preflight.headers.get('access-control-allow-headers')!.toLowerCase();
    for (const header of [
      'authorization',
      'content-type',
      'upstash-encoding',
      'upstash-sync-token',
      'upstash-telemetry-sdk',
      'upstash-telemetry-runtime',
      'upstash-telemetry-platform',
    ]) {
      expect(allowed).toContain(header);
    }
    const actual = await postJson(api().url, ['PING'], { ...bearer(FULL), origin: ORIGIN });
    expect(actual.status).toBe(200);
    expect(actual.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(actual.headers.get('access-control-expose-headers')).toContain('Upstash-Sync-Token');

    const evil = await request(api().url, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    // A "simple" cross-site POST (no preflight) from a page elsewhere is refused too.
    const simple = await request(api().url, {
      method: 'POST',
      headers: { ...bearer(FULL), origin: 'https://evil.example', 'content-type': 'text/plain' },
      body: '["PING"]',
    });
    expect(simple.status).toBe(403);
    // WebSocket upgrades from a browser follow the same rule.
    await expect(openSocket(api().url, FULL, 'https://evil.example')).rejects.toThrow('HTTP 403');
    (await openSocket(api().url, FULL, ORIGIN)).close();
  });

  it('binds a token-less API to loopback only, says so, and refuses browser tricks against it', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const server = await startHttpServer(
      api().gateway.gateway,
      { ...defaultConfig().http, host: '0.0.0.0', port: 0, tokens: [] },
      logger,
      { gatewayPort: api().gateway.port },
    );
    try {
      expect(server.host).toBe('127.0.0.1');
      const started = lines
        .map((l) => JSON.parse(l) as { level: number; msg: string })
        .find((l) => l.level === 40);
      expect(started?.msg).toMatch(/no tokens configured: listening on loopback only \(127\.0\.0\.1:\d+\)/);
      const url = `http://127.0.0.1:${server.port}`;
      expect((await postJson(url, ['PING'])).body).toEqual({ result: 'PONG' });
      // An <img src> GET from another site carries no Origin, but Sec-Fetch-Site gives it away.
      const img = await request(`${url}/flushall`, { headers: { 'sec-fetch-site': 'cross-site' } });
      expect(img.status).toBe(403);
      // A DNS name rebound to 127.0.0.1 is refused by Host.
      const rebound = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          `${url}/ping`,
          { headers: { host: `evil.example:${server.port}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(rebound).toBe(403);
    } finally {
      await server.close();
    }
  });
});

describe('HTTP API in front of a gateway that requires AUTH', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  const api = useHttpGateway(
    cluster,
    { tokens: [{ token: FULL, scope: 'full' }] },
    { auth: { password: 'gateway-secret' } },
  );

  it('logs its internal connections in with the gateway password', async () => {
    expect((await postJson(api().url, ['SET', 'auth:k', 'v'], bearer(FULL))).body).toEqual({ result: 'OK' });
    expect((await postJson(`${api().url}/multi-exec`, [['GET', 'auth:k']], bearer(FULL))).body).toEqual([
      { result: 'v' },
    ]);
    const sse = new AbortController();
    const res = await fetch(`${api().url}/subscribe/auth-chan`, {
      headers: bearer(FULL),
      signal: sse.signal,
    });
    expect(res.status).toBe(200);
    sse.abort();
  });
});
