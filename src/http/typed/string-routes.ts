// /v1/strings: GET, SET (with expiry and NX/XX), increments, append, and multi-key get/set (which
// the gateway splits across slots).

import { z } from 'zod';
import {
  bulkOrNull,
  defineRoute,
  integerOf,
  itemsOf,
  notFoundError,
  type TypedRoute,
} from './typed-route.js';

const KEY = { key: 'The key; percent-encode any byte that is not URL-safe.' };
const tag = 'strings';

export const stringRoutes: TypedRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/strings/{key}',
    tag,
    operationId: 'getString',
    summary: 'Read a string value (GET).',
    pathParams: KEY,
    response: z.object({ value: z.string() }),
    errors: { 404: 'the key does not exist', 409: 'the key holds another type (WRONGTYPE)' },
    async handle({ param, redis, codec }) {
      const value = bulkOrNull(await redis.call('GET', param('key')));
      if (value === null) throw notFoundError('no such key');
      return { value: codec.text(value) };
    },
  }),
  defineRoute({
    method: 'PUT',
    path: '/v1/strings/{key}',
    tag,
    operationId: 'setString',
    summary: 'Write a string value (SET), optionally with an expiry and a condition.',
    pathParams: KEY,
    body: z.strictObject({
      value: z.string(),
      ttlSeconds: z.number().int().positive().optional().describe('Expire after this many seconds (EX).'),
      ttlMs: z.number().int().positive().optional().describe('Expire after this many milliseconds (PX).'),
      condition: z
        .enum(['always', 'if-absent', 'if-present'])
        .default('always')
        .describe('if-absent: only when the key does not exist (NX); if-present: only when it does (XX).'),
      keepTtl: z.boolean().default(false).describe('Keep the existing expiry (KEEPTTL).'),
    }),
    response: z.object({ written: z.boolean().describe('False when the condition was not met.') }),
    async handle({ param, body, codec, redis }) {
      const args: Array<Buffer | string | number> = ['SET', param('key'), codec.bytes(body.value, 'value')];
      if (body.ttlSeconds !== undefined) args.push('EX', body.ttlSeconds);
      if (body.ttlMs !== undefined) args.push('PX', body.ttlMs);
      if (body.condition === 'if-absent') args.push('NX');
      if (body.condition === 'if-present') args.push('XX');
      if (body.keepTtl) args.push('KEEPTTL');
      const reply = await redis.call(...args);
      return { written: reply.type !== 'null' };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/strings/{key}/increment',
    tag,
    operationId: 'incrementString',
    summary: 'Add to a number stored as a string (INCRBY, or INCRBYFLOAT for a fractional amount).',
    pathParams: KEY,
    body: z.strictObject({
      by: z.number().default(1).describe('Amount to add; may be negative or fractional.'),
    }),
    response: z.object({ value: z.number() }),
    errors: { 400: 'the value is not a number' },
    async handle({ param, body, redis }) {
      if (Number.isInteger(body.by)) {
        return { value: integerOf(await redis.call('INCRBY', param('key'), body.by)) };
      }
      const reply = await redis.call('INCRBYFLOAT', param('key'), body.by);
      return { value: Number(bulkOrNull(reply)?.toString('latin1')) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/strings/{key}/append',
    tag,
    operationId: 'appendString',
    summary: 'Append to a string value (APPEND).',
    pathParams: KEY,
    body: z.strictObject({ value: z.string() }),
    response: z.object({ length: z.number().int().describe('Length of the value after appending.') }),
    async handle({ param, body, codec, redis }) {
      return {
        length: integerOf(await redis.call('APPEND', param('key'), codec.bytes(body.value, 'value'))),
      };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/strings/get',
    tag,
    operationId: 'getStrings',
    summary: 'Read several keys at once (MGET); keys may live on different shards.',
    body: z.strictObject({ keys: z.array(z.string()).min(1) }),
    response: z.object({
      values: z.array(z.string().nullable()).describe('In the order of keys; null when missing.'),
    }),
    async handle({ body, codec, redis }) {
      const reply = await redis.call('MGET', ...body.keys.map((k, i) => codec.bytes(k, `keys[${i}]`)));
      return {
        values: itemsOf(reply).map((v) => {
          const bytes = bulkOrNull(v);
          return bytes === null ? null : codec.text(bytes);
        }),
      };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/strings/set',
    tag,
    operationId: 'setStrings',
    summary: 'Write several keys at once (MSET); keys may live on different shards.',
    body: z.strictObject({
      entries: z.array(z.strictObject({ key: z.string(), value: z.string() })).min(1),
    }),
    response: z.object({ written: z.literal(true) }),
    async handle({ body, codec, redis }) {
      const args: Buffer[] = [];
      body.entries.forEach((e, i) => {
        args.push(codec.bytes(e.key, `entries[${i}].key`), codec.bytes(e.value, `entries[${i}].value`));
      });
      await redis.call('MSET', ...args);
      return { written: true as const };
    },
  }),
];
