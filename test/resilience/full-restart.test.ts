// Every node of the cluster killed and started again (same ports, same dirs, so each rejoins with its
// nodes.conf) while Slotway keeps running: during the outage clients get errors, never a hang or a
// crashed gateway; once the nodes are back, Slotway serves again without being restarted.

import { describe, expect, it } from 'vitest';
import { AdminClient } from '../../src/backend/admin-client.js';
import { useCluster } from '../support/cluster.js';
import { pollUntil, restartNodeRetrying } from '../support/cluster-state.js';
import { useGateway } from '../support/gateway.js';

describe('all nodes restarted', () => {
  const cluster = useCluster({ primaries: 3, replicas: 1, nodeTimeoutMs: 2000 });
  const gateway = useGateway(cluster, { backend: { retryTimeoutMs: 1500 } });

  it('serves again once the cluster is back, without restarting Slotway', { timeout: 120_000 }, async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `fr:${i}`);
    const client = await AdminClient.connect({
      host: '127.0.0.1',
      port: gateway().port,
      commandTimeoutMs: 20_000,
    });
    try {
      for (const k of keys)
        expect(await client.call('SET', k, 'before')).toEqual({ type: 'simple', value: 'OK' });

      const killAt = Date.now();
      await Promise.all(cluster().nodes.map((n) => cluster().killNode(n.port, 'SIGKILL')));
      // With every node down, a command fails once its retry budget is spent, with a clear error.
      const outageStart = Date.now();
      const down = await client.send(['GET', keys[0]!]);
      const downMs = Date.now() - outageStart;
      // The nodes come back at once (the longer their ports stay free, the likelier an unrelated
      // connection takes one), while a second client keeps asking through the gateway: it gets
      // clear errors, never a hang, and the gateway itself stays up.
      const prober = await AdminClient.connect({
        host: '127.0.0.1',
        port: gateway().port,
        commandTimeoutMs: 20_000,
      });
      const outage: string[] = [];
      let probing = true;
      const probing$ = (async () => {
        for (let i = 0; probing && i < 1000; i++) {
          const reply = await prober.send(['GET', keys[i % keys.length]!]);
          outage.push(reply.type === 'error' ? reply.value.replace(/[0-9.:]+/g, '#') : reply.type);
        }
      })();
      const ping = await client.send(['PING']);
      const restartAt = Date.now();
      const attemptsPerNode = await Promise.all(
        cluster().nodes.map((n) => restartNodeRetrying(cluster(), n.port)),
      );
      const restartedAt = Date.now();
      let attempts = 0;
      const servingAt = await pollUntil(
        'the gateway to serve again',
        async () => {
          attempts++;
          const reply = await client.send(['SET', 'fr:probe', 'x']);
          return reply.type === 'simple';
        },
        30_000,
        50,
      );
      probing = false;
      await probing$;
      prober.close();
      // Every key in every slot works again (the data itself did not survive: no persistence).
      const errors: string[] = [];
      for (const k of keys) {
        const set = await client.send(['SET', k, 'after']);
        if (set.type !== 'simple') errors.push(`SET ${k}: ${JSON.stringify(set)}`);
        const get = await client.send(['GET', k]);
        if (get.type !== 'bulk' || get.value.toString() !== 'after')
          errors.push(`GET ${k}: ${JSON.stringify(get)}`);
      }
      const stats = gateway().gateway.stats;
      console.log(
        '[full-restart] measured',
        JSON.stringify({
          nodes: cluster().nodes.length,
          probeRepliesDuringRestart: Object.fromEntries(
            [...new Set(outage)].map((r) => [r, outage.filter((o) => o === r).length]),
          ),
          restartAttemptsPerNode: attemptsPerNode,
          replyWithAllNodesDown: down,
          replyWithAllNodesDownAfterMs: downMs,
          pingDuringOutage: ping,
          killToRestartMs: restartAt - killAt,
          restartAllMs: restartedAt - restartAt,
          servingAfterRestartMs: servingAt - restartedAt,
          probeAttempts: attempts,
          commandsAfterRecovery: keys.length * 2,
          errorsAfterRecovery: errors.length,
          topologyRefreshes: gateway().gateway.topology.refreshCount,
          topologyRefreshFailures: gateway().gateway.topology.refreshFailures,
          connectionFailures: stats.connectionFailures,
        }),
      );
      expect(outage.every((e) => /^(CLUSTERDOWN|ERR|bulk|null)/.test(e))).toBe(true);
      expect(ping.type).toBe('simple');
      expect(down.type).toBe('error');
      expect(downMs).toBeLessThan(5000);
      expect(errors).toEqual([]);
    } finally {
      client.close();
    }
  });
});
