// Conformance: every command line of conformance-cases.ts runs against a standalone redis-server
// directly and through Slotway in front of a 3-primary cluster, in RESP2 and RESP3, and the replies
// must be identical (errors included), up to the normalizations a case asks for where Redis itself
// is nondeterministic.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminClient } from '../../src/backend/admin-client.js';
import type { RespValue } from '../../src/protocol/resp-value.js';
import { useCluster, useStandalone } from '../support/cluster.js';
import { useGateway } from '../support/gateway.js';
import {
  CONFORMANCE_GROUPS,
  type ConformanceGroup,
  KNOWN_DEVIATIONS,
  type Step,
  totalSteps,
} from './conformance-cases.js';
import { type Canon, canonical, inRange, lengthOf, sortedCanon, sortedPairs } from './reply-compare.js';

interface Side {
  client: AdminClient;
  /** Raw replies of the group so far, for `@N` arguments. */
  replies: RespValue[];
}

function resolveArgs(step: Step, side: Side): Array<string | Buffer> {
  return step.args.map((arg) => {
    const ref = /^@(\d+)$/.exec(arg);
    if (!ref) return arg;
    const earlier = side.replies[Number(ref[1])];
    if (earlier?.type !== 'bulk')
      throw new Error(`${step.line}: step ${ref[1]} did not reply with a bulk string`);
    return earlier.value;
  });
}

/** Runs one step on one side and returns its reply in the form the step's check compares. */
async function run(step: Step, side: Side): Promise<Canon> {
  const args = resolveArgs(step, side);
  const check = step.check;
  if (check.kind === 'scan') {
    side.replies.push({ type: 'null', form: 'bulk' });
    return scanAll(side.client, args, check.cursorAt, check.pairs);
  }
  const reply = await side.client.send(args);
  side.replies.push(reply);
  const c = canonical(reply);
  switch (check.kind) {
    case 'exact':
      return c;
    case 'sorted':
      return sortedCanon(c);
    case 'pairs':
      return sortedPairs(c);
    case 'range':
      return inRange(c, check.min, check.max);
    case 'length':
      return lengthOf(c);
  }
}

/** Iterates a SCAN-family command to cursor 0; the union of its pages, sorted. */
async function scanAll(
  client: AdminClient,
  args: Array<string | Buffer>,
  cursorAt: number,
  pairs: boolean,
): Promise<Canon> {
  const collected: Canon[] = [];
  let cursor = '0';
  for (let page = 0; page < 100_000; page++) {
    const pageArgs = args.slice();
    pageArgs[cursorAt] = cursor;
    const reply = await client.send(pageArgs);
    if (reply.type !== 'array' || reply.value.length !== 2) return canonical(reply);
    const [next, items] = reply.value;
    if (next?.type !== 'bulk' || (items?.type !== 'array' && items?.type !== 'set')) return canonical(reply);
    const values = items.value.map(canonical);
    if (pairs) for (let i = 0; i + 1 < values.length; i += 2) collected.push([values[i]!, values[i + 1]!]);
    else collected.push(...values);
    cursor = next.value.toString('latin1');
    if (cursor === '0') return sortedCanon(collected);
  }
  throw new Error(`${args.join(' ')}: the scan did not finish`);
}

async function resetServer(client: AdminClient): Promise<void> {
  for (const args of [['FLUSHALL'], ['SCRIPT', 'FLUSH'], ['FUNCTION', 'FLUSH'], ['CLIENT', 'SETNAME', '']]) {
    const reply = await client.send(args);
    if (reply.type !== 'simple')
      throw new Error(`${args.join(' ')} failed: ${JSON.stringify(canonical(reply))}`);
  }
}

describe('conformance: standalone redis-server vs Slotway over a 3-primary cluster', () => {
  const standalone = useStandalone();
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  const gateway = useGateway(cluster);

  it('covers at least 300 command lines over every data type', () => {
    expect(totalSteps()).toBeGreaterThanOrEqual(300);
    const names = new Set(CONFORMANCE_GROUPS.flatMap((g) => g.steps.map((s) => s.args[0]!.toUpperCase())));
    for (const name of [
      'GET',
      'HSET',
      'LPUSH',
      'SADD',
      'ZADD',
      'XADD',
      'GEOADD',
      'PFADD',
      'SETBIT',
      'EXPIRE',
      'RENAME',
      'SCAN',
    ]) {
      expect(names).toContain(name);
    }
  });

  describe.each([2, 3] as const)('RESP%i', (protocol) => {
    const direct: Side = { client: undefined as unknown as AdminClient, replies: [] };
    const through: Side = { client: undefined as unknown as AdminClient, replies: [] };
    /** Command lines whose replies were compared and found identical so far. */
    let identical = 0;

    beforeAll(async () => {
      const server = standalone();
      direct.client = await server.client(server.nodes[0]!.port);
      through.client = await gateway().client();
      if (protocol === 3) {
        for (const side of [direct, through]) {
          const hello = await side.client.send(['HELLO', '3']);
          if (hello.type !== 'map') throw new Error(`HELLO 3 failed: ${JSON.stringify(canonical(hello))}`);
        }
      }
    });

    afterAll(() => {
      direct.client?.close();
      through.client?.close();
    });

    /** Runs a group on both sides and compares; the number of command lines compared. */
    async function compareGroup(group: ConformanceGroup): Promise<number> {
      await resetServer(direct.client);
      await resetServer(through.client);
      direct.replies = [];
      through.replies = [];
      const expected: Array<{ command: string; reply: Canon }> = [];
      const actual: Array<{ command: string; reply: Canon }> = [];
      // Interleaved, so time-dependent replies (TTL) are read at nearly the same moment on both.
      for (const step of group.steps) {
        expected.push({ command: step.line, reply: await run(step, direct) });
        actual.push({ command: step.line, reply: await run(step, through) });
      }
      expect(actual).toEqual(expected);
      return expected.length;
    }

    it.each(CONFORMANCE_GROUPS.map((g) => [g.name, g] as const))('%s', async (_name, group) => {
      identical += await compareGroup(group);
    });

    it(`gave identical replies to all ${totalSteps()} command lines`, () => {
      expect(identical).toBe(totalSteps());
    });

    // Expected to fail until the gateway is fixed; see KNOWN_DEVIATIONS for why.
    it.fails.each(KNOWN_DEVIATIONS.map((g) => [g.name, g] as const))(
      'known deviation: %s',
      async (_name, group) => {
        await compareGroup(group);
      },
    );
  });
});
