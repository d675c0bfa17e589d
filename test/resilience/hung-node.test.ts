// A primary that hangs (SIGSTOP: its sockets stay open, it answers nothing) instead of dying. The
// command timeout must turn the silence into errors: reads fail once the retry budget is spent,
// writes fail at the first timeout with the "may or may not have been applied" error, nothing hangs,
// and commands for the other primaries never notice. After SIGCONT everything works again.

import { describe, expect, it } from 'vitest';
import { AdminClient } from '../../src/backend/admin-client.js';
import type { RespValue } from '../../src/protocol/resp-value.js';
import { slotOf } from '../../src/topology/slot-hash.js';
import { useCluster } from '../support/cluster.js';
import { pollUntil } from '../support/cluster-state.js';
import { useGateway } from '../support/gateway.js';

const COMMAND_TIMEOUT_MS = 1000;
const RETRY_TIMEOUT_MS = 2000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a primary that hangs', () => {
  // A long node timeout, so the cluster does not fail the stopped node over during the test.
  const cluster = useCluster({ primaries: 3, replicas: 0, nodeTimeoutMs: 60_000 });
  const gateway = useGateway(cluster, {
    backend: { commandTimeoutMs: COMMAND_TIMEOUT_MS, retryTimeoutMs: RETRY_TIMEOUT_MS },
  });

  it('times commands out instead of hanging, and recovers after SIGCONT', { timeout: 60_000 }, async () => {
    const [hung] = cluster().nodes;
    if (!hung) throw new Error('no node');
    const onHung = (key: string) => hung.slots.some(([a, b]) => slotOf(key) >= a && slotOf(key) <= b);
    const hungKey = Array.from({ length: 100 }, (_, i) => `hang:${i}`).find(onHung)!;
    const liveKey = Array.from({ length: 100 }, (_, i) => `hang:${i}`).find((k) => !onHung(k))!;
    const connect = () =>
      AdminClient.connect({ host: '127.0.0.1', port: gateway().port, commandTimeoutMs: 30_000 });
    const [reader, writer, live] = await Promise.all([connect(), connect(), connect()]);
    try {
      expect(await writer.call('SET', hungKey, 'before')).toEqual({ type: 'simple', value: 'OK' });

      await cluster().killNode(hung.port, 'SIGSTOP');
      const stoppedAt = Date.now();
      const timed = async (p: Promise<RespValue>) => {
        const t = Date.now();
        const reply = await p;
        return { reply, ms: Date.now() - t };
      };
      const read = timed(reader.send(['GET', hungKey]));
      const write = timed(writer.send(['SET', hungKey, 'during']));
      // The other primaries keep answering at once.
      const liveLatencies: number[] = [];
      const liveErrors: string[] = [];
      for (let i = 0; i < 40; i++) {
        const t = Date.now();
        const r = await live.send(['SET', liveKey, `v${i}`]);
        liveLatencies.push(Date.now() - t);
        if (r.type !== 'simple') liveErrors.push(JSON.stringify(r));
        await sleep(25);
      }
      const [readResult, writeResult] = await Promise.all([read, write]);

      await cluster().killNode(hung.port, 'SIGCONT');
      const resumedAt = Date.now();
      const backAt = await pollUntil(
        'the hung node to answer through the gateway',
        async () => (await reader.send(['GET', hungKey])).type === 'bulk',
        10_000,
        50,
      );
      const after = await writer.send(['SET', hungKey, 'after']);
      console.log(
        '[hung-node] measured',
        JSON.stringify({
          commandTimeoutMs: COMMAND_TIMEOUT_MS,
          retryTimeoutMs: RETRY_TIMEOUT_MS,
          read: { reply: readResult.reply, ms: readResult.ms },
          write: { reply: writeResult.reply, ms: writeResult.ms },
          otherNodes: {
            ops: liveLatencies.length,
            errors: liveErrors.length,
            maxMs: liveLatencies.reduce((m, ms) => Math.max(m, ms), 0),
          },
          stoppedMs: resumedAt - stoppedAt,
          answeringAgainAfterSigcontMs: backAt - resumedAt,
        }),
      );
      expect(readResult.reply.type).toBe('error');
      expect(readResult.ms).toBeLessThan(RETRY_TIMEOUT_MS + 2 * COMMAND_TIMEOUT_MS + 1000);
      expect(writeResult.reply).toMatchObject({ type: 'error' });
      expect(String((writeResult.reply as { value: string }).value)).toMatch(
        /may or may not have been applied/,
      );
      expect(writeResult.ms).toBeLessThan(3 * COMMAND_TIMEOUT_MS);
      expect(liveErrors).toEqual([]);
      expect(after).toEqual({ type: 'simple', value: 'OK' });
    } finally {
      await cluster().killNode(hung.port, 'SIGCONT');
      for (const c of [reader, writer, live]) c.close();
    }
  });
});
