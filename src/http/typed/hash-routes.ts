// /v1/hashes: whole hashes (HGETALL, HSET), single fields (HGET, HDEL) and field increments.

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
const KEY_FIELD = { ...KEY, field: 'The field; percent-encoded like the key.' };
const tag = 'hashes';

export const hashRoutes: TypedRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/hashes/{key}',
    tag,
    operationId: 'getHash',
    summary: 'Read every field of a hash (HGETALL); a missing key is an empty hash.',
    pathParams: KEY,
    response: z.object({ fields: z.record(z.string(), z.string()) }),
    async handle({ param, codec, redis }) {
      const items = itemsOf(await redis.call('HGETALL', param('key')));
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < items.length; i += 2) {
        fields[codec.text(bulkOrNull(items[i]!) ?? Buffer.alloc(0))] = codec.text(
          bulkOrNull(items[i + 1]!) ?? Buffer.alloc(0),
        );
      }
      return { fields };
    },
  }),
  defineRoute({
    method: 'PUT',
    path: '/v1/hashes/{key}',
    tag,
    operationId: 'setHashFields',
    summary: 'Set fields of a hash (HSET); other fields are kept.',
    pathParams: KEY,
    body: z.strictObject({ fields: z.record(z.string(), z.string()) }),
    response: z.object({ added: z.number().int().describe('Fields that did not exist before.') }),
    async handle({ param, body, codec, redis }) {
      const args: Buffer[] = [];
      for (const [field, value] of Object.entries(body.fields)) {
        args.push(codec.bytes(field, `fields key ${field}`), codec.bytes(value, `fields.${field}`));
      }
      if (args.length === 0) return { added: 0 };
      return { added: integerOf(await redis.call('HSET', param('key'), ...args)) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/hashes/{key}/fields/{field}',
    tag,
    operationId: 'getHashField',
    summary: 'Read one field (HGET).',
    pathParams: KEY_FIELD,
    response: z.object({ value: z.string() }),
    errors: { 404: 'the key or the field does not exist' },
    async handle({ param, codec, redis }) {
      const value = bulkOrNull(await redis.call('HGET', param('key'), param('field')));
      if (value === null) throw notFoundError('no such field');
      return { value: codec.text(value) };
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/hashes/{key}/fields/{field}',
    tag,
    operationId: 'deleteHashField',
    summary: 'Delete one field (HDEL).',
    pathParams: KEY_FIELD,
    response: z.object({ removed: z.number().int() }),
    async handle({ param, redis }) {
      return { removed: integerOf(await redis.call('HDEL', param('key'), param('field'))) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/hashes/{key}/fields/{field}/increment',
    tag,
    operationId: 'incrementHashField',
    summary: 'Add to a numeric field (HINCRBY, or HINCRBYFLOAT for a fractional amount).',
    pathParams: KEY_FIELD,
    body: z.strictObject({ by: z.number().default(1) }),
    response: z.object({ value: z.number() }),
    async handle({ param, body, redis }) {
      if (Number.isInteger(body.by)) {
        return { value: integerOf(await redis.call('HINCRBY', param('key'), param('field'), body.by)) };
      }
      const reply = await redis.call('HINCRBYFLOAT', param('key'), param('field'), body.by);
      return { value: Number(bulkOrNull(reply)?.toString('latin1')) };
    },
  }),
];
