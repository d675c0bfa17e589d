// Topology source for Redis Cluster / Valkey cluster: asks the known nodes (last map first, then the
// configured seeds) for CLUSTER SHARDS, falling back to CLUSTER SLOTS when a node refuses it, and takes
// the first full answer.

import { AdminClient, RedisReplyError } from '../backend/admin-client.js';
import type { BackendConnectOptions } from '../backend/connect-options.js';
import { type DiscoveredShard, parseClusterShards, parseClusterSlots } from './cluster-discovery.js';
import { type NodeAddress, SlotMap } from './slot-map.js';
import type { TopologySource } from './topology-source.js';

const SHARDS_UNAVAILABLE = /unknown subcommand|unknown command|^NOPERM/i;

export class ClusterSource implements TopologySource {
  readonly kind = 'cluster';
  readonly redirects = true;
  private last: SlotMap | null = null;
  private useSlots = false;

  constructor(
    private readonly seeds: readonly NodeAddress[],
    private readonly connect: BackendConnectOptions,
  ) {}

  async load(): Promise<SlotMap> {
    const candidates = new Map<string, NodeAddress>();
    for (const n of this.last?.allNodes() ?? []) candidates.set(n.key, n);
    for (const n of this.seeds) candidates.set(n.key, n);
    const failures: string[] = [];
    for (const node of candidates.values()) {
      try {
        const { shards, command } = await this.ask(node);
        const covered = shards.reduce((n, s) => n + s.ranges.reduce((m, [a, b]) => m + b - a + 1, 0), 0);
        if (shards.length === 0 || covered === 0) {
          failures.push(`${node.key}: no slots assigned`);
          continue;
        }
        const map = SlotMap.build(shards, `cluster via ${node.key} (${command})`);
        this.last = map;
        return map;
      } catch (err) {
        failures.push(`${node.key}: ${(err as Error).message}`);
      }
    }
    throw new Error(`no cluster node answered with a topology (${failures.join('; ')})`);
  }

  /** One node's view, and the command that gave it. */
  private async ask(node: NodeAddress): Promise<{ shards: DiscoveredShard[]; command: string }> {
    const client = await AdminClient.connect({
      host: node.host,
      port: node.port,
      tls: this.connect.tls,
      username: this.connect.username,
      password: this.connect.password,
      connectTimeoutMs: this.connect.connectTimeoutMs,
      commandTimeoutMs: this.connect.commandTimeoutMs,
    });
    try {
      if (!this.useSlots) {
        try {
          const shards = parseClusterShards(
            await client.call('CLUSTER', 'SHARDS'),
            node.host,
            this.connect.tls !== undefined,
          );
          return { shards, command: 'CLUSTER SHARDS' };
        } catch (err) {
          if (!(err instanceof RedisReplyError)) throw err;
          // Servers before 7.0 do not know SHARDS, and ACL rules written for them may allow only
          // SLOTS (NOPERM): remember either for good. Any other refusal falls back for this call only.
          if (SHARDS_UNAVAILABLE.test(err.message)) this.useSlots = true;
        }
      }
      const shards = parseClusterSlots(await client.call('CLUSTER', 'SLOTS'), node.host);
      return { shards, command: 'CLUSTER SLOTS' };
    } finally {
      client.close();
    }
  }
}
