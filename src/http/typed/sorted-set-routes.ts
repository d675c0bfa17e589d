// /v1/sorted-sets: ranges with scores (ZRANGE), add with conditions (ZADD), remove, one member's
// score and rank, score increments.

import { z } from 'zod';
import {
  bulkOrNull,
  defineRoute,
  integerOf,
  itemsOf,
  notFoundError,
  scoreOf,
  scoreSchema,
  type TypedRoute,
} from './typed-route.js';

const KEY = { key: 'The key; percent-encode any byte that is not URL-safe.' };
const KEY_MEMBER = { ...KEY, member: 'The member; percent-encoded like the key.' };
const tag = 'sorted-sets';
const scored = z.object({ member: z.string(), score: scoreSchema });

function scoreArg(score: number | string): string {
  return typeof score === 'number' ? String(score) : score;
}

export const sortedSetRoutes: TypedRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/sorted-sets/{key}',
    tag,
    operationId: 'getSortedSetRange',
    summary: 'Members with scores by rank (ZRANGE ... WITHSCORES); by default all, lowest score first.',
    pathParams: KEY,
    query: {
      start: z.coerce.number().int().default(0).describe('First rank; negative counts from the end.'),
      stop: z.coerce.number().int().default(-1).describe('Last rank, inclusive.'),
      reverse: z.stringbool().default(false).describe('Highest score first (REV).'),
    },
    response: z.object({ members: z.array(scored) }),
    async handle({ param, query, codec, redis }) {
      const args: Array<Buffer | string | number> = ['ZRANGE', param('key'), query.start, query.stop];
      if (query.reverse) args.push('REV');
      args.push('WITHSCORES');
      const items = itemsOf(await redis.call(...args));
      const members: Array<{ member: string; score: number | 'inf' | '-inf' }> = [];
      for (let i = 0; i + 1 < items.length; i += 2) {
        members.push({
          member: codec.text(bulkOrNull(items[i]!) ?? Buffer.alloc(0)),
          score: scoreOf(items[i + 1]!),
        });
      }
      return { members };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sorted-sets/{key}/add',
    tag,
    operationId: 'addSortedSetMembers',
    summary: 'Add members or update their scores (ZADD).',
    pathParams: KEY,
    body: z.strictObject({
      members: z.array(z.strictObject({ member: z.string(), score: scoreSchema })).min(1),
      condition: z
        .enum(['always', 'if-absent', 'if-present', 'if-greater', 'if-less'])
        .default('always')
        .describe(
          'if-absent (NX) only adds; if-present (XX) only updates; if-greater (GT) / if-less (LT) only raise / lower scores.',
        ),
    }),
    response: z.object({ added: z.number().int().describe('Members that were not in the set before.') }),
    async handle({ param, body, codec, redis }) {
      const args: Array<Buffer | string | number> = ['ZADD', param('key')];
      const flag = {
        always: null,
        'if-absent': 'NX',
        'if-present': 'XX',
        'if-greater': 'GT',
        'if-less': 'LT',
      }[body.condition];
      if (flag) args.push(flag);
      body.members.forEach((m, i) => {
        args.push(scoreArg(m.score), codec.bytes(m.member, `members[${i}].member`));
      });
      return { added: integerOf(await redis.call(...args)) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sorted-sets/{key}/remove',
    tag,
    operationId: 'removeSortedSetMembers',
    summary: 'Remove members (ZREM).',
    pathParams: KEY,
    body: z.strictObject({ members: z.array(z.string()).min(1) }),
    response: z.object({ removed: z.number().int() }),
    async handle({ param, body, codec, redis }) {
      const values = body.members.map((m, i) => codec.bytes(m, `members[${i}]`));
      return { removed: integerOf(await redis.call('ZREM', param('key'), ...values)) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/sorted-sets/{key}/members/{member}',
    tag,
    operationId: 'getSortedSetMember',
    summary: "One member's score and rank (ZSCORE, ZRANK).",
    pathParams: KEY_MEMBER,
    response: z.object({ score: scoreSchema, rank: z.number().int().describe('0 for the lowest score.') }),
    errors: { 404: 'the key or the member does not exist' },
    async handle({ param, redis }) {
      const [score, rank] = await redis.batch(
        ['ZSCORE', param('key'), param('member')],
        ['ZRANK', param('key'), param('member')],
      );
      if (!score || score.type === 'null' || !rank || rank.type === 'null')
        throw notFoundError('no such member');
      return { score: scoreOf(score), rank: integerOf(rank) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sorted-sets/{key}/members/{member}/increment',
    tag,
    operationId: 'incrementSortedSetScore',
    summary: "Add to a member's score, adding the member when new (ZINCRBY).",
    pathParams: KEY_MEMBER,
    body: z.strictObject({ by: z.number().default(1) }),
    response: z.object({ score: scoreSchema }),
    async handle({ param, body, redis }) {
      return { score: scoreOf(await redis.call('ZINCRBY', param('key'), body.by, param('member'))) };
    },
  }),
];
