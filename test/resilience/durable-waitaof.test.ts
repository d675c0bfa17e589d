// Durable-write mode with durability.waitAof: each batch of writes is closed with WAITAOF 0 <n> <ms>
// instead of WAIT, so a write is acknowledged only once enough replicas have fsynced it to their AOF.
// WAITAOF exists from Redis 7.2 (and in Valkey): on an older server the gateway refuses to start with
// that setting, and the tests that need the command skip with the reason printed.

import { describe, expect, it } from 'vitest';
import { replyText } from '../../src/backend/admin-client.js';
import { ConfigError } from '../../src/config/config-error.js';
import { serverAtLeast, serverVersion } from '../support/binaries.js';
import { useCluster } from '../support/cluster.js';
import { commandCalls } from '../support/cluster-state.js';
import { startTestGateway, useGateway } from '../support/gateway.js';

const WAITAOF_SERVER = serverAtLeast([7, 2], 'WAITAOF durable-write tests');
const redisVersion = serverVersion('redis-server');
const redisLacksWaitAof =
  redisVersion !== null && (redisVersion[0] < 7 || (redisVersion[0] === 7 && redisVersion[1] < 2));

const DURABLE_AOF = { waitReplicas: 1, timeoutMs: 1000, waitAof: true };

describe.skipIf(!redisLacksWaitAof)('durability.waitAof on a server without WAITAOF', () => {
  const cluster = useCluster({ primaries: 1, replicas: 1 });

  it('refuses to start, saying what is missing, instead of refusing every write', async () => {
    const started = startTestGateway(cluster(), { durability: DURABLE_AOF });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(
      /^durability\.waitAof needs WAITAOF \(Redis 7\.2 or later, or Valkey\), which 127\.0\.0\.1:\d+ \(version 7\.[01]\.\d+\) does not have; turn durability\.waitAof off to use WAIT$/,
    );
  });
});

describe.skipIf(!WAITAOF_SERVER)(
  `durability.waitAof (WAITAOF) with ${WAITAOF_SERVER ?? 'no server that has it'}`,
  () => {
    const cluster = useCluster({
      primaries: 1,
      replicas: 1,
      serverBin: WAITAOF_SERVER ?? undefined,
      extraArgs: ['--appendonly', 'yes'],
    });
    const gateway = useGateway(cluster, { durability: DURABLE_AOF });
    const primary = () => cluster().nodes.find((n) => n.role === 'primary')!;
    const replica = () => cluster().nodes.find((n) => n.role === 'replica')!;

    it('acknowledges a write once the replica has fsynced it, with WAITAOF and not WAIT', async () => {
      const before = {
        waitaof: await commandCalls(cluster(), primary().port, 'waitaof'),
        wait: await commandCalls(cluster(), primary().port, 'wait'),
      };
      const client = await gateway().client();
      try {
        for (let i = 0; i < 20; i++)
          expect(replyText(await client.call('SET', `aof:${i}`, `v${i}`))).toBe('OK');
      } finally {
        client.close();
      }
      expect(await commandCalls(cluster(), primary().port, 'waitaof')).toBeGreaterThan(before.waitaof);
      expect(await commandCalls(cluster(), primary().port, 'wait')).toBe(before.wait);
      const onReplica = await cluster().client(replica().port);
      try {
        await onReplica.call('READONLY');
        expect(replyText(await onReplica.call('GET', 'aof:19'))).toBe('v19');
      } finally {
        onReplica.close();
      }
    });

    it('refuses the write with NOREPLICAS when the replica does not fsync to an AOF', async () => {
      // WAIT would confirm this write (the replica receives it); WAITAOF must not (it is not persisted).
      const onReplica = await cluster().client(replica().port);
      const client = await gateway().client();
      try {
        await onReplica.call('CONFIG', 'SET', 'appendonly', 'no');
        const reply = await client.send(['SET', 'aof:unpersisted', 'x']);
        expect(reply).toEqual({
          type: 'error',
          value:
            'NOREPLICAS write applied on the primary but confirmed by 0 of 1 required replicas in time; it may be lost on failover',
        });
      } finally {
        await onReplica.call('CONFIG', 'SET', 'appendonly', 'yes');
        onReplica.close();
        client.close();
      }
    });
  },
);
