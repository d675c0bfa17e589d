// The typed REST routes under /v1, checked against the very zod schemas that validate them, the
// OpenAPI document generated from those schemas, binary-safe values with ?encoding=base64, error
// statuses with codes, and the /cluster endpoints.

import net, { type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { z } from 'zod';
import { defaultConfig } from '../../src/config/schema.js';
import { startHttpServer } from '../../src/http/http-server.js';
import { openApiDocument } from '../../src/http/openapi.js';
import { clusterRoutes, dataRoutes, healthRoutes } from '../../src/http/typed/typed-routes.js';
import { silentLogger } from '../../src/observability/logger.js';
import { useCluster } from '../support/cluster.js';
import { bearer, request, useHttpGateway } from './http-gateway.js';

const TOKEN = 'typed-routes-token-0123456789';
const auth = bearer(TOKEN);
const allRoutes = [...dataRoutes, ...clusterRoutes, ...healthRoutes];

/** The response schema of the route serving `method path-pattern`. */
function responseSchema(method: string, path: string): z.ZodType {
  const route = allRoutes.find((r) => r.method === method && r.path === path);
  if (!route) throw new Error(`no route ${method} ${path}`);
  return route.response;
}

describe('typed REST routes', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  const api = useHttpGateway(cluster, { tokens: [{ token: TOKEN, scope: 'full' }] });

  /** Calls a route and checks a 200 body against the route's own response schema. */
  async function call(method: string, pattern: string, path: string, body?: unknown): Promise<unknown> {
    const res = await request(`${api().url}${path}`, {
      method,
      headers: { ...auth, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(200);
    return responseSchema(method, pattern).parse(res.body);
  }

  it('strings', async () => {
    expect(
      await call('PUT', '/v1/strings/{key}', '/v1/strings/t:s', { value: 'hello', ttlSeconds: 100 }),
    ).toEqual({
      written: true,
    });
    expect(await call('GET', '/v1/strings/{key}', '/v1/strings/t:s')).toEqual({ value: 'hello' });
    expect(
      await call('PUT', '/v1/strings/{key}', '/v1/strings/t:s', { value: 'x', condition: 'if-absent' }),
    ).toEqual({ written: false });
    expect(await call('POST', '/v1/strings/{key}/append', '/v1/strings/t:s/append', { value: '!' })).toEqual({
      length: 6,
    });
    expect(await call('POST', '/v1/strings/{key}/increment', '/v1/strings/t:n/increment', { by: 5 })).toEqual(
      {
        value: 5,
      },
    );
    expect(
      await call('POST', '/v1/strings/{key}/increment', '/v1/strings/t:n/increment', { by: 0.5 }),
    ).toEqual({
      value: 5.5,
    });
    const entries = [
      { key: 't:m1', value: 'one' },
      { key: 't:m2', value: 'two' },
      { key: 't:m3', value: 'three' },
    ];
    expect(await call('POST', '/v1/strings/set', '/v1/strings/set', { entries })).toEqual({ written: true });
    expect(
      await call('POST', '/v1/strings/get', '/v1/strings/get', { keys: ['t:m3', 't:none', 't:m1'] }),
    ).toEqual({
      values: ['three', null, 'one'],
    });
  });

  it('hashes', async () => {
    expect(
      await call('PUT', '/v1/hashes/{key}', '/v1/hashes/t:h', { fields: { name: 'slotway', visits: '1' } }),
    ).toEqual({ added: 2 });
    expect(await call('GET', '/v1/hashes/{key}', '/v1/hashes/t:h')).toEqual({
      fields: { name: 'slotway', visits: '1' },
    });
    expect(await call('GET', '/v1/hashes/{key}/fields/{field}', '/v1/hashes/t:h/fields/name')).toEqual({
      value: 'slotway',
    });
    expect(
      await call(
        'POST',
        '/v1/hashes/{key}/fields/{field}/increment',
        '/v1/hashes/t:h/fields/visits/increment',
        { by: 2 },
      ),
    ).toEqual({ value: 3 });
    expect(await call('DELETE', '/v1/hashes/{key}/fields/{field}', '/v1/hashes/t:h/fields/name')).toEqual({
      removed: 1,
    });
    expect(await call('GET', '/v1/hashes/{key}', '/v1/hashes/t:nohash')).toEqual({ fields: {} });
  });

  it('lists', async () => {
    expect(
      await call('POST', '/v1/lists/{key}/push', '/v1/lists/t:l/push', { values: ['a', 'b', 'c'] }),
    ).toEqual({
      length: 3,
    });
    expect(
      await call('POST', '/v1/lists/{key}/push', '/v1/lists/t:l/push', { values: ['z'], end: 'left' }),
    ).toEqual({ length: 4 });
    expect(await call('GET', '/v1/lists/{key}', '/v1/lists/t:l')).toEqual({ items: ['z', 'a', 'b', 'c'] });
    expect(await call('GET', '/v1/lists/{key}', '/v1/lists/t:l?start=1&stop=2')).toEqual({
      items: ['a', 'b'],
    });
    expect(
      await call('POST', '/v1/lists/{key}/pop', '/v1/lists/t:l/pop', { end: 'right', count: 2 }),
    ).toEqual({
      items: ['c', 'b'],
    });
    expect(await call('GET', '/v1/lists/{key}/length', '/v1/lists/t:l/length')).toEqual({ length: 2 });
    expect(await call('POST', '/v1/lists/{key}/pop', '/v1/lists/t:empty/pop', {})).toEqual({ items: [] });
  });

  it('sets', async () => {
    expect(
      await call('POST', '/v1/sets/{key}/add', '/v1/sets/t:set/add', { members: ['a', 'b', 'c'] }),
    ).toEqual({
      added: 3,
    });
    const { members } = (await call('GET', '/v1/sets/{key}', '/v1/sets/t:set')) as { members: string[] };
    expect(members.sort()).toEqual(['a', 'b', 'c']);
    expect(await call('GET', '/v1/sets/{key}/members/{member}', '/v1/sets/t:set/members/b')).toEqual({
      isMember: true,
    });
    expect(
      await call('POST', '/v1/sets/{key}/remove', '/v1/sets/t:set/remove', { members: ['b', 'x'] }),
    ).toEqual({
      removed: 1,
    });
    expect(await call('GET', '/v1/sets/{key}/members/{member}', '/v1/sets/t:set/members/b')).toEqual({
      isMember: false,
    });
  });

  it('sorted sets', async () => {
    const add = {
      members: [
        { member: 'low', score: 1 },
        { member: 'high', score: 9.5 },
        { member: 'top', score: 'inf' },
      ],
    };
    expect(await call('POST', '/v1/sorted-sets/{key}/add', '/v1/sorted-sets/t:z/add', add)).toEqual({
      added: 3,
    });
    expect(await call('GET', '/v1/sorted-sets/{key}', '/v1/sorted-sets/t:z')).toEqual({
      members: [
        { member: 'low', score: 1 },
        { member: 'high', score: 9.5 },
        { member: 'top', score: 'inf' },
      ],
    });
    expect(await call('GET', '/v1/sorted-sets/{key}', '/v1/sorted-sets/t:z?reverse=true&stop=0')).toEqual({
      members: [{ member: 'top', score: 'inf' }],
    });
    expect(
      await call('GET', '/v1/sorted-sets/{key}/members/{member}', '/v1/sorted-sets/t:z/members/high'),
    ).toEqual({
      score: 9.5,
      rank: 1,
    });
    expect(
      await call(
        'POST',
        '/v1/sorted-sets/{key}/members/{member}/increment',
        '/v1/sorted-sets/t:z/members/low/increment',
        { by: 0.25 },
      ),
    ).toEqual({ score: 1.25 });
    expect(
      await call('POST', '/v1/sorted-sets/{key}/remove', '/v1/sorted-sets/t:z/remove', { members: ['top'] }),
    ).toEqual({ removed: 1 });
  });

  it('keys and TTL, scan across shards', async () => {
    await call('PUT', '/v1/strings/{key}', '/v1/strings/t:k', { value: 'v' });
    expect(await call('GET', '/v1/keys/{key}', '/v1/keys/t:k')).toEqual({ type: 'string', ttlMs: null });
    expect(await call('PUT', '/v1/keys/{key}/ttl', '/v1/keys/t:k/ttl', { seconds: 100 })).toEqual({
      applied: true,
    });
    const { ttlMs } = (await call('GET', '/v1/keys/{key}/ttl', '/v1/keys/t:k/ttl')) as { ttlMs: number };
    expect(ttlMs).toBeGreaterThan(90_000);
    expect(await call('DELETE', '/v1/keys/{key}/ttl', '/v1/keys/t:k/ttl')).toEqual({ removed: true });
    expect(await call('DELETE', '/v1/keys/{key}', '/v1/keys/t:k')).toEqual({ deleted: 1 });
    expect((await request(`${api().url}/v1/keys/t:k`, { headers: auth })).status).toBe(404);

    const entries = Array.from({ length: 30 }, (_, i) => ({ key: `t:scan:${i}`, value: String(i) }));
    await call('POST', '/v1/strings/set', '/v1/strings/set', { entries });
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const page = (await call('GET', '/v1/keys', `/v1/keys?match=t:scan:*&count=20&cursor=${cursor}`)) as {
        cursor: string;
        keys: string[];
      };
      for (const k of page.keys) seen.add(k);
      cursor = page.cursor;
    } while (cursor !== '0');
    expect(seen.size).toBe(30);
    expect(await call('POST', '/v1/keys/delete', '/v1/keys/delete', { keys: [...seen] })).toEqual({
      deleted: 30,
    });
  });

  it('is binary-safe with ?encoding=base64 and percent-encoded path bytes', async () => {
    const value = Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 13]);
    const key = 't:bin%00%FF';
    expect(
      await call('PUT', '/v1/strings/{key}', `/v1/strings/${key}?encoding=base64`, {
        value: value.toString('base64'),
      }),
    ).toEqual({ written: true });
    const got = (await call('GET', '/v1/strings/{key}', `/v1/strings/${key}?encoding=base64`)) as {
      value: string;
    };
    expect(Buffer.from(got.value, 'base64')).toEqual(value);
    const field = Buffer.from([0xc3, 0x28]).toString('base64');
    await call('PUT', '/v1/hashes/{key}', '/v1/hashes/t:binhash?encoding=base64', {
      fields: { [field]: 'AAE=' },
    });
    expect(await call('GET', '/v1/hashes/{key}', '/v1/hashes/t:binhash?encoding=base64')).toEqual({
      fields: { [field]: 'AAE=' },
    });
    const bad = await request(`${api().url}/v1/strings/t:x?encoding=base64`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ value: 'not base64!' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'BAD_REQUEST', error: 'ERR value is not valid base64' });
  });

  // Members that are not UTF-8 (NUL and 0xFF bytes, a lone continuation byte) survive a round trip
  // through every collection route; path parameters carry the same bytes percent-encoded.
  const binaryMembers = [
    Buffer.from([0x00]),
    Buffer.from([0xff]),
    Buffer.from([0x61, 0x00, 0xff, 0x62]),
    Buffer.from([0xff, 0xfe, 0x00, 0x80]),
  ];
  const b64 = (b: Buffer) => b.toString('base64');
  const percent = (b: Buffer) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('');
  const fromB64 = (items: readonly string[]) => items.map((s) => Buffer.from(s, 'base64'));
  const sortBytes = (items: readonly Buffer[]) => [...items].sort(Buffer.compare);

  it('lists are binary-safe with ?encoding=base64', async () => {
    const key = `t:binlist${percent(Buffer.from([0x00, 0xff]))}`;
    expect(
      await call('POST', '/v1/lists/{key}/push', `/v1/lists/${key}/push?encoding=base64`, {
        values: binaryMembers.map(b64),
      }),
    ).toEqual({ length: binaryMembers.length });
    const { items } = (await call('GET', '/v1/lists/{key}', `/v1/lists/${key}?encoding=base64`)) as {
      items: string[];
    };
    expect(fromB64(items)).toEqual(binaryMembers);
    const popped = (await call('POST', '/v1/lists/{key}/pop', `/v1/lists/${key}/pop?encoding=base64`, {
      end: 'right',
      count: 2,
    })) as { items: string[] };
    expect(fromB64(popped.items)).toEqual([binaryMembers[3], binaryMembers[2]]);
    expect(await call('GET', '/v1/lists/{key}/length', `/v1/lists/${key}/length`)).toEqual({ length: 2 });
  });

  it('sets are binary-safe with ?encoding=base64', async () => {
    expect(
      await call('POST', '/v1/sets/{key}/add', '/v1/sets/t:binset/add?encoding=base64', {
        members: binaryMembers.map(b64),
      }),
    ).toEqual({ added: binaryMembers.length });
    const { members } = (await call('GET', '/v1/sets/{key}', '/v1/sets/t:binset?encoding=base64')) as {
      members: string[];
    };
    expect(sortBytes(fromB64(members))).toEqual(sortBytes(binaryMembers));
    for (const member of binaryMembers) {
      expect(
        await call('GET', '/v1/sets/{key}/members/{member}', `/v1/sets/t:binset/members/${percent(member)}`),
        member.toString('hex'),
      ).toEqual({ isMember: true });
    }
    // 0x00 alone is a member, 0x00 0x00 is not: the bytes are compared exactly, not as C strings.
    expect(await call('GET', '/v1/sets/{key}/members/{member}', '/v1/sets/t:binset/members/%00%00')).toEqual({
      isMember: false,
    });
    expect(
      await call('POST', '/v1/sets/{key}/remove', '/v1/sets/t:binset/remove?encoding=base64', {
        members: [b64(binaryMembers[0]!), b64(Buffer.from([0x00, 0x00]))],
      }),
    ).toEqual({ removed: 1 });
    const after = (await call('GET', '/v1/sets/{key}', '/v1/sets/t:binset?encoding=base64')) as {
      members: string[];
    };
    expect(sortBytes(fromB64(after.members))).toEqual(sortBytes(binaryMembers.slice(1)));
  });

  it('sorted sets are binary-safe with ?encoding=base64', async () => {
    const scored = binaryMembers.map((member, i) => ({ member: b64(member), score: i + 0.5 }));
    expect(
      await call('POST', '/v1/sorted-sets/{key}/add', '/v1/sorted-sets/t:binz/add?encoding=base64', {
        members: scored,
      }),
    ).toEqual({ added: binaryMembers.length });
    const { members } = (await call(
      'GET',
      '/v1/sorted-sets/{key}',
      '/v1/sorted-sets/t:binz?encoding=base64',
    )) as { members: Array<{ member: string; score: number }> };
    expect(members.map((m) => m.score)).toEqual(scored.map((m) => m.score));
    expect(fromB64(members.map((m) => m.member))).toEqual(binaryMembers);
    expect(
      await call(
        'GET',
        '/v1/sorted-sets/{key}/members/{member}',
        `/v1/sorted-sets/t:binz/members/${percent(binaryMembers[2]!)}`,
      ),
    ).toEqual({ score: 2.5, rank: 2 });
    expect(
      await call('POST', '/v1/sorted-sets/{key}/remove', '/v1/sorted-sets/t:binz/remove?encoding=base64', {
        members: [b64(binaryMembers[1]!)],
      }),
    ).toEqual({ removed: 1 });
    const after = (await call(
      'GET',
      '/v1/sorted-sets/{key}',
      '/v1/sorted-sets/t:binz?encoding=base64&reverse=true',
    )) as { members: Array<{ member: string; score: number }> };
    expect(fromB64(after.members.map((m) => m.member))).toEqual([
      binaryMembers[3],
      binaryMembers[2],
      binaryMembers[0],
    ]);
  });

  it('answers errors as JSON with a code and a fitting status, never an empty 500', async () => {
    const missing = await request(`${api().url}/v1/strings/t:missing`, { headers: auth });
    expect(missing).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    await call('POST', '/v1/lists/{key}/push', '/v1/lists/t:list/push', { values: ['x'] });
    const wrongType = await request(`${api().url}/v1/strings/t:list`, { headers: auth });
    expect(wrongType).toMatchObject({
      status: 409,
      body: { code: 'WRONGTYPE', error: expect.stringMatching(/^WRONGTYPE/) },
    });
    const invalid = await request(`${api().url}/v1/strings/t:s`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ value: 1, extra: true }),
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({
      code: 'BAD_REQUEST',
      error: expect.stringMatching(/^ERR invalid request body: .*value/),
    });
    const badQuery = await request(`${api().url}/v1/lists/t:list?start=abc`, { headers: auth });
    expect(badQuery).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    const unknownParam = await request(`${api().url}/v1/lists/t:list?strat=1`, { headers: auth });
    expect(unknownParam.status).toBe(400);
    const notJson = await request(`${api().url}/v1/sets/t:set/add`, {
      method: 'POST',
      headers: auth,
      body: '{',
    });
    expect(notJson).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    const method = await request(`${api().url}/v1/strings/t:s`, { method: 'POST', headers: auth });
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('GET, PUT');
    const notANumber = await request(`${api().url}/v1/strings/t:s/increment`, {
      method: 'POST',
      headers: auth,
      body: '{}',
    });
    expect(notANumber).toMatchObject({
      status: 400,
      body: { code: 'ERR', error: 'ERR value is not an integer or out of range' },
    });
  });

  it('answers 503 JSON on every route family when the gateway cannot be reached, never an empty 500', async () => {
    // An HTTP server whose gateway link points at a port nobody listens on.
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const server = await startHttpServer(
      api().gateway.gateway,
      { ...defaultConfig().http, port: 0, tokens: [{ token: TOKEN, scope: 'full' }] },
      silentLogger,
      { gatewayPort: closedPort },
    );
    const url = `http://127.0.0.1:${server.port}`;
    const unavailable = {
      status: 503,
      body: {
        code: 'UNAVAILABLE',
        error: expect.stringMatching(/^TRYAGAIN gateway link: connect to .*ECONNREFUSED/),
      },
    };
    try {
      expect(await request(url, { method: 'POST', headers: auth, body: '["GET","k"]' })).toMatchObject(
        unavailable,
      );
      expect(
        await request(`${url}/pipeline`, { method: 'POST', headers: auth, body: '[["GET","k"]]' }),
      ).toMatchObject(unavailable);
      expect(
        await request(`${url}/multi-exec`, { method: 'POST', headers: auth, body: '[["GET","k"]]' }),
      ).toMatchObject(unavailable);
      expect(await request(`${url}/get/k`, { headers: auth })).toMatchObject(unavailable);
      expect(await request(`${url}/v1/strings/k`, { headers: auth })).toMatchObject(unavailable);
      expect(await request(`${url}/subscribe/chan`, { headers: auth })).toMatchObject(unavailable);
      // A WebSocket frame gets an error answer under its id.
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${TOKEN}`);
      try {
        const answer = new Promise<unknown>((resolve) =>
          ws.once('message', (data) => resolve(JSON.parse(String(data)))),
        );
        await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
        ws.send(JSON.stringify({ id: 7, cmd: ['PING'] }));
        expect(await answer).toEqual({ id: 7, error: expect.stringMatching(/^TRYAGAIN gateway link/) });
      } finally {
        ws.close();
      }
      // The topology is the gateway's own, so the cluster endpoints still answer.
      expect((await request(`${url}/cluster/info`, { headers: auth })).status).toBe(200);
    } finally {
      await server.close(1000);
    }
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const res = await request(`${api().url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = res.body as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content: Record<string, { schema: unknown }> };
            parameters?: Array<{ name: string; in: string }>;
          }
        >
      >;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const route of allRoutes) {
      expect(
        doc.paths[route.path]?.[route.method.toLowerCase()],
        `${route.method} ${route.path}`,
      ).toBeDefined();
    }
    for (const path of ['/', '/pipeline', '/multi-exec', '/subscribe/{name}', '/ws'])
      expect(doc.paths[path]).toBeDefined();
    const setString = doc.paths['/v1/strings/{key}']!.put!;
    expect(setString.requestBody!.content['application/json']!.schema).toMatchObject({
      type: 'object',
      required: ['value'],
      additionalProperties: false,
      properties: { value: { type: 'string' }, condition: { enum: ['always', 'if-absent', 'if-present'] } },
    });
    expect(setString.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'key', in: 'path' }),
        expect.objectContaining({ name: 'encoding', in: 'query' }),
      ]),
    );
    expect(doc.components.schemas.Error).toBeDefined();
    // The served document is exactly what the schemas produce.
    expect(doc).toEqual(openApiDocument(allRoutes, { open: false, version: '0.1.0' }));
  });

  it('serves /cluster/info, /cluster/nodes and /cluster/slots', async () => {
    const info = await call('GET', '/cluster/info', '/cluster/info');
    expect(info).toMatchObject({ state: 'ok', slotsAssigned: 16384, size: 3, knownNodes: 3 });
    const { nodes } = (await call('GET', '/cluster/nodes', '/cluster/nodes')) as {
      nodes: Array<{ role: string; slots: Array<[number, number]>; port: number }>;
    };
    expect(nodes).toHaveLength(3);
    const ports = cluster()
      .nodes.map((n) => n.port)
      .sort();
    expect(nodes.map((n) => n.port).sort()).toEqual(ports);
    const { slots } = (await call('GET', '/cluster/slots', '/cluster/slots')) as {
      slots: Array<{ start: number; end: number }>;
    };
    expect(slots[0]!.start).toBe(0);
    expect(slots[slots.length - 1]!.end).toBe(16383);
    expect(slots.reduce((n, s) => n + s.end - s.start + 1, 0)).toBe(16384);
    expect((await request(`${api().url}/readyz`)).body).toEqual({
      ready: true,
      slotsCovered: 16384,
      slotsTotal: 16384,
    });
  });
});
