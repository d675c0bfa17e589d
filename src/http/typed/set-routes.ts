// /v1/sets: members (SMEMBERS), add, remove, membership.

import { z } from 'zod';
import { bulkOrNull, defineRoute, integerOf, itemsOf, type TypedRoute } from './typed-route.js';

const KEY = { key: 'The key; percent-encode any byte that is not URL-safe.' };
const tag = 'sets';
const members = z.strictObject({ members: z.array(z.string()).min(1) });

export const setRoutes: TypedRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/sets/{key}',
    tag,
    operationId: 'getSetMembers',
    summary: 'Every member of a set (SMEMBERS); a missing key is an empty set.',
    pathParams: KEY,
    response: z.object({ members: z.array(z.string()) }),
    async handle({ param, codec, redis }) {
      const reply = await redis.call('SMEMBERS', param('key'));
      return { members: itemsOf(reply).map((v) => codec.text(bulkOrNull(v) ?? Buffer.alloc(0))) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sets/{key}/add',
    tag,
    operationId: 'addSetMembers',
    summary: 'Add members (SADD).',
    pathParams: KEY,
    body: members,
    response: z.object({ added: z.number().int().describe('Members that were not in the set before.') }),
    async handle({ param, body, codec, redis }) {
      const values = body.members.map((m, i) => codec.bytes(m, `members[${i}]`));
      return { added: integerOf(await redis.call('SADD', param('key'), ...values)) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sets/{key}/remove',
    tag,
    operationId: 'removeSetMembers',
    summary: 'Remove members (SREM).',
    pathParams: KEY,
    body: members,
    response: z.object({ removed: z.number().int() }),
    async handle({ param, body, codec, redis }) {
      const values = body.members.map((m, i) => codec.bytes(m, `members[${i}]`));
      return { removed: integerOf(await redis.call('SREM', param('key'), ...values)) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/sets/{key}/members/{member}',
    tag,
    operationId: 'isSetMember',
    summary: 'Whether a value is a member (SISMEMBER).',
    pathParams: { ...KEY, member: 'The member; percent-encoded like the key.' },
    response: z.object({ isMember: z.boolean() }),
    async handle({ param, redis }) {
      return { isMember: integerOf(await redis.call('SISMEMBER', param('key'), param('member'))) === 1 };
    },
  }),
];
