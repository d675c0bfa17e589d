// /v1/keys: type and expiry of any key, delete, TTL read/set/remove, and SCAN across the cluster
// (the gateway's cursor walks every primary).

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
const tag = 'keys';
const ttlMs = z
  .number()
  .int()
  .nullable()
  .describe('Milliseconds until the key expires; null when it never does.');

export const keyRoutes: TypedRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/keys',
    tag,
    operationId: 'scanKeys',
    summary:
      'One step of a scan over every key of the cluster (SCAN); repeat with the returned cursor until it is "0".',
    query: {
      cursor: z
        .string()
        .regex(/^\d+$/)
        .default('0')
        .describe('"0" to start, then the cursor of the previous page.'),
      match: z.string().optional().describe('Glob pattern (MATCH), e.g. user:*'),
      count: z.coerce.number().int().positive().max(100_000).default(100).describe('Work per step (COUNT).'),
      type: z.string().optional().describe('Only keys of this type (TYPE), e.g. hash.'),
    },
    response: z.object({ cursor: z.string(), keys: z.array(z.string()) }),
    async handle({ query, codec, redis }) {
      const args: Array<Buffer | string | number> = ['SCAN', query.cursor];
      if (query.match !== undefined) args.push('MATCH', codec.bytes(query.match, 'match'));
      args.push('COUNT', query.count);
      if (query.type !== undefined) args.push('TYPE', query.type);
      const [cursor, keys] = itemsOf(await redis.call(...args));
      return {
        cursor: bulkOrNull(cursor ?? { type: 'null', form: 'bulk' })?.toString('latin1') ?? '0',
        keys: keys ? itemsOf(keys).map((k) => codec.text(bulkOrNull(k) ?? Buffer.alloc(0))) : [],
      };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/keys/delete',
    tag,
    operationId: 'deleteKeys',
    summary: 'Delete several keys (DEL); keys may live on different shards.',
    body: z.strictObject({ keys: z.array(z.string()).min(1) }),
    response: z.object({ deleted: z.number().int() }),
    async handle({ body, codec, redis }) {
      const keys = body.keys.map((k, i) => codec.bytes(k, `keys[${i}]`));
      return { deleted: integerOf(await redis.call('DEL', ...keys)) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/keys/{key}',
    tag,
    operationId: 'describeKey',
    summary: 'Type and expiry of a key (TYPE, PTTL).',
    pathParams: KEY,
    response: z.object({ type: z.string().describe('string, list, set, zset, hash, stream, ...'), ttlMs }),
    errors: { 404: 'the key does not exist' },
    async handle({ param, redis }) {
      const [type, pttl] = await redis.batch(['TYPE', param('key')], ['PTTL', param('key')]);
      const typeName = type?.type === 'simple' ? type.value : '';
      const ms = integerOf(pttl!);
      if (typeName === 'none' || ms === -2) throw notFoundError('no such key');
      return { type: typeName, ttlMs: ms < 0 ? null : ms };
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/keys/{key}',
    tag,
    operationId: 'deleteKey',
    summary: 'Delete a key of any type (DEL).',
    pathParams: KEY,
    response: z.object({ deleted: z.number().int().describe('1 when the key existed, else 0.') }),
    async handle({ param, redis }) {
      return { deleted: integerOf(await redis.call('DEL', param('key'))) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/keys/{key}/ttl',
    tag,
    operationId: 'getKeyTtl',
    summary: 'Time to live (PTTL).',
    pathParams: KEY,
    response: z.object({ ttlMs }),
    errors: { 404: 'the key does not exist' },
    async handle({ param, redis }) {
      const ms = integerOf(await redis.call('PTTL', param('key')));
      if (ms === -2) throw notFoundError('no such key');
      return { ttlMs: ms < 0 ? null : ms };
    },
  }),
  defineRoute({
    method: 'PUT',
    path: '/v1/keys/{key}/ttl',
    tag,
    operationId: 'setKeyTtl',
    summary: 'Make a key expire (PEXPIRE); give seconds or ms.',
    pathParams: KEY,
    body: z
      .strictObject({
        seconds: z.number().positive().optional(),
        ms: z.number().int().positive().optional(),
      })
      .refine((b) => (b.seconds === undefined) !== (b.ms === undefined), {
        message: 'give exactly one of seconds and ms',
      }),
    response: z.object({ applied: z.boolean() }),
    errors: { 404: 'the key does not exist' },
    async handle({ param, body, redis }) {
      const ms = body.ms ?? Math.round((body.seconds ?? 0) * 1000);
      const applied = integerOf(await redis.call('PEXPIRE', param('key'), ms)) === 1;
      if (!applied) throw notFoundError('no such key');
      return { applied };
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/keys/{key}/ttl',
    tag,
    operationId: 'persistKey',
    summary: 'Remove the expiry of a key (PERSIST).',
    pathParams: KEY,
    response: z.object({
      removed: z.boolean().describe('False when the key had no expiry or does not exist.'),
    }),
    async handle({ param, redis }) {
      return { removed: integerOf(await redis.call('PERSIST', param('key'))) === 1 };
    },
  }),
];
