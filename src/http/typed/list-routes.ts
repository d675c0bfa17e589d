// /v1/lists: ranges (LRANGE), push and pop at either end, length.

import { z } from 'zod';
import { bulkOrNull, defineRoute, integerOf, itemsOf, type TypedRoute } from './typed-route.js';

const KEY = { key: 'The key; percent-encode any byte that is not URL-safe.' };
const tag = 'lists';
const end = z.enum(['left', 'right']);

export const listRoutes: TypedRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/lists/{key}',
    tag,
    operationId: 'getListRange',
    summary: 'Read a range of a list (LRANGE); by default the whole list.',
    pathParams: KEY,
    query: {
      start: z.coerce.number().int().default(0).describe('First index; negative counts from the end.'),
      stop: z.coerce.number().int().default(-1).describe('Last index, inclusive; -1 is the last item.'),
    },
    response: z.object({ items: z.array(z.string()) }),
    async handle({ param, query, codec, redis }) {
      const reply = await redis.call('LRANGE', param('key'), query.start, query.stop);
      return { items: itemsOf(reply).map((v) => codec.text(bulkOrNull(v) ?? Buffer.alloc(0))) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/lists/{key}/push',
    tag,
    operationId: 'pushList',
    summary: 'Add values at one end of a list (RPUSH / LPUSH).',
    pathParams: KEY,
    body: z.strictObject({
      values: z.array(z.string()).min(1),
      end: end.default('right').describe('right appends (RPUSH), left prepends (LPUSH).'),
    }),
    response: z.object({ length: z.number().int().describe('Length of the list afterwards.') }),
    async handle({ param, body, codec, redis }) {
      const values = body.values.map((v, i) => codec.bytes(v, `values[${i}]`));
      const command = body.end === 'left' ? 'LPUSH' : 'RPUSH';
      return { length: integerOf(await redis.call(command, param('key'), ...values)) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/lists/{key}/pop',
    tag,
    operationId: 'popList',
    summary: 'Remove and return values from one end of a list (LPOP / RPOP).',
    pathParams: KEY,
    body: z.strictObject({
      end: end.default('left').describe('left takes from the head (LPOP), right from the tail (RPOP).'),
      count: z.number().int().positive().default(1),
    }),
    response: z.object({ items: z.array(z.string()).describe('Empty when the list is empty or missing.') }),
    async handle({ param, body, codec, redis }) {
      const reply = await redis.call(body.end === 'right' ? 'RPOP' : 'LPOP', param('key'), body.count);
      return { items: itemsOf(reply).map((v) => codec.text(bulkOrNull(v) ?? Buffer.alloc(0))) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/lists/{key}/length',
    tag,
    operationId: 'getListLength',
    summary: 'Number of items (LLEN); 0 for a missing key.',
    pathParams: KEY,
    response: z.object({ length: z.number().int() }),
    async handle({ param, redis }) {
      return { length: integerOf(await redis.call('LLEN', param('key'))) };
    },
  }),
];
