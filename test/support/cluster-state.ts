// What the cluster itself says, asked directly and never through the gateway: who owns which slot,
// who is primary, whether replicas are in sync, and the values of keys. Resilience tests use it as
// the independent judge of what Slotway acknowledged. Every wait is bounded.

import { type AdminClient, replyText } from '../../src/backend/admin-client.js';
import { PortInUseError } from '../../src/ops/local-cluster.js';
import type { RespValue } from '../../src/protocol/resp-value.js';
import { SLOT_COUNT, slotOf } from '../../src/topology/slot-hash.js';
import type { LocalCluster } from './cluster.js';
import { items, plain } from './resp-plain.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface NodeView {
  id: string;
  port: number;
  /** 'master' or 'slave', as CLUSTER NODES says. */
  role: 'master' | 'slave';
  /** The primary's id, for a replica. */
  primaryId: string | null;
  /** Flagged fail / pfail / noaddr by the node that was asked. */
  failing: boolean;
  slotCount: number;
}

/** Runs `body` with an admin client to the first node (in `ports` order) that answers. */
export async function onAnyNode<T>(
  cluster: LocalCluster,
  body: (client: AdminClient, port: number) => Promise<T>,
  ports: readonly number[] = cluster.nodes.map((n) => n.port),
): Promise<T> {
  const failures: string[] = [];
  for (const port of ports) {
    let client: AdminClient;
    try {
      client = await cluster.client(port);
    } catch (err) {
      failures.push(`${port}: ${(err as Error).message}`);
      continue;
    }
    try {
      return await body(client, port);
    } catch (err) {
      failures.push(`${port}: ${(err as Error).message}`);
    } finally {
      client.close();
    }
  }
  throw new Error(`no node answered (${failures.join('; ')})`);
}

/** CLUSTER NODES as seen by one node. */
export function parseClusterNodes(text: string): NodeView[] {
  const views: NodeView[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(' ');
    if (parts.length < 8) continue;
    const [id, addr, flags, primary] = parts;
    const port = Number(addr!.split('@')[0]!.split(':').pop());
    let slotCount = 0;
    for (const range of parts.slice(8)) {
      if (range.startsWith('[')) continue;
      const [a, b] = range.split('-').map(Number);
      slotCount += (b ?? a!) - a! + 1;
    }
    const flagSet = new Set(flags!.split(','));
    views.push({
      id: id!,
      port,
      role: flagSet.has('master') ? 'master' : 'slave',
      primaryId: primary === '-' ? null : primary!,
      failing: flagSet.has('fail') || flagSet.has('fail?') || flagSet.has('noaddr'),
      slotCount,
    });
  }
  return views;
}

/** The cluster's layout according to the first live node in `ports`. */
export function clusterLayout(cluster: LocalCluster, ports?: readonly number[]): Promise<NodeView[]> {
  return onAnyNode(
    cluster,
    async (client) => parseClusterNodes(replyText(await client.call('CLUSTER', 'NODES'))),
    ports,
  );
}

/** Slot → owning primary's port, from CLUSTER SLOTS of a live node. */
export async function slotOwners(cluster: LocalCluster, ports?: readonly number[]): Promise<Int32Array> {
  return onAnyNode(
    cluster,
    async (client) => {
      const owners = new Int32Array(SLOT_COUNT).fill(-1);
      for (const range of items(await client.call('CLUSTER', 'SLOTS'))) {
        const fields = items(range);
        const from = Number(plain(fields[0]!));
        const to = Number(plain(fields[1]!));
        const port = Number(plain(items(fields[2]!)[1]!));
        owners.fill(port, from, to + 1);
      }
      return owners;
    },
    ports,
  );
}

/**
 * Reads keys straight from the primaries that own them (pipelined per node, following a MOVED once):
 * the checker for "every acknowledged write is there".
 */
export async function readDirect(
  cluster: LocalCluster,
  keys: readonly string[],
  ports?: readonly number[],
): Promise<Map<string, string | null>> {
  const owners = await slotOwners(cluster, ports);
  const byPort = new Map<number, string[]>();
  for (const key of keys) {
    const port = owners[slotOf(key)]!;
    let list = byPort.get(port);
    if (!list) byPort.set(port, (list = []));
    list.push(key);
  }
  const values = new Map<string, string | null>();
  for (const [port, list] of byPort) {
    if (port < 0) throw new Error(`${list.length} keys hash to slots no node serves`);
    const client = await cluster.client(port);
    try {
      for (let i = 0; i < list.length; i += 1000) {
        const chunk = list.slice(i, i + 1000);
        const replies = await Promise.all(chunk.map((k) => client.send(['GET', k])));
        for (let j = 0; j < chunk.length; j++) {
          const key = chunk[j]!;
          let reply: RespValue = replies[j]!;
          if (reply.type === 'error' && reply.value.startsWith('MOVED ')) {
            const to = Number(reply.value.split(' ')[2]!.split(':').pop());
            const other = await cluster.client(to);
            try {
              reply = await other.call('GET', key);
            } finally {
              other.close();
            }
          }
          if (reply.type === 'error') throw new Error(`GET ${key} on ${port}: ${reply.value}`);
          values.set(key, reply.type === 'bulk' ? reply.value.toString('utf8') : null);
        }
      }
    } finally {
      client.close();
    }
  }
  return values;
}

/** Polls until `check` returns true; resolves with the time it did, or throws after `timeoutMs`. */
export async function pollUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 25,
): Promise<number> {
  const until = Date.now() + timeoutMs;
  let last = '';
  for (let i = 0; i < 100_000; i++) {
    try {
      if (await check()) return Date.now();
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= until) break;
    await sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ''}`,
  );
}

/** ROLE of one node: 'master', 'slave', or null when it does not answer. */
export async function roleOf(cluster: LocalCluster, port: number): Promise<string | null> {
  try {
    const client = await cluster.client(port);
    try {
      const reply = items(await client.call('ROLE'));
      return String(plain(reply[0]!));
    } finally {
      client.close();
    }
  } catch {
    return null;
  }
}

/** Calls of `command` (lower case, e.g. `get`, `waitaof`) on one node so far, from INFO commandstats. */
export async function commandCalls(cluster: LocalCluster, port: number, command: string): Promise<number> {
  const client = await cluster.client(port);
  try {
    const info = replyText(await client.call('INFO', 'commandstats'));
    return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
  } finally {
    client.close();
  }
}

/** The first key `prefix<n>` whose slot falls in [from, to]. */
export function keyInRange(prefix: string, from: number, to: number): string {
  for (let n = 0; n < 1_000_000; n++) {
    const slot = slotOf(`${prefix}${n}`);
    if (slot >= from && slot <= to) return `${prefix}${n}`;
  }
  throw new Error(`no key ${prefix}<n> in slots ${from}-${to}`);
}

/** Waits until `port` reports itself primary (a replica promoted by failover); returns when. */
export function waitPromoted(cluster: LocalCluster, port: number, timeoutMs = 30_000): Promise<number> {
  return pollUntil(
    `${port} to be promoted`,
    async () => (await roleOf(cluster, port)) === 'master',
    timeoutMs,
  );
}

/**
 * Waits until every primary with slots has at least one replica whose link is up and not syncing,
 * and every node agrees the cluster is ok: the state in which a kill -9 can be failed over.
 */
export async function waitReplicasInSync(cluster: LocalCluster, timeoutMs = 30_000): Promise<void> {
  await pollUntil(
    'every shard to have an in-sync replica',
    async () => {
      const layout = await clusterLayout(cluster);
      if (layout.some((n) => n.failing)) return false;
      for (const primary of layout.filter((n) => n.role === 'master' && n.slotCount > 0)) {
        const replicas = layout.filter((n) => n.primaryId === primary.id);
        let synced = false;
        for (const replica of replicas) {
          const client = await cluster.client(replica.port);
          try {
            const info = replyText(await client.call('INFO', 'replication'));
            if (info.includes('master_link_status:up') && info.includes('master_sync_in_progress:0'))
              synced = true;
          } finally {
            client.close();
          }
        }
        if (!synced) return false;
      }
      for (const node of layout) {
        const client = await cluster.client(node.port);
        try {
          if (!replyText(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
        } finally {
          client.close();
        }
      }
      return true;
    },
    timeoutMs,
    100,
  );
}

/**
 * restartNode, tried again when the port was taken meanwhile: the harness picks ports in 20000..50000,
 * which overlaps Linux's ephemeral range (32768..60999), so while a node is down an unrelated
 * outgoing connection can briefly hold its port (or its bus port).
 */
export async function restartNodeRetrying(
  cluster: LocalCluster,
  port: number,
  attempts = 5,
): Promise<number> {
  for (let i = 1; ; i++) {
    try {
      await cluster.restartNode(port);
      return i;
    } catch (err) {
      if (!(err instanceof PortInUseError) || i >= attempts) throw err;
      await sleep(500);
    }
  }
}

/** One field of INFO replication on one node (e.g. master_repl_offset, master_link_status). */
export async function replicationField(cluster: LocalCluster, port: number, field: string): Promise<string> {
  const client = await cluster.client(port);
  try {
    const info = replyText(await client.call('INFO', 'replication'));
    const line = info.split('\r\n').find((l) => l.startsWith(`${field}:`));
    if (line === undefined) throw new Error(`INFO replication of ${port} has no ${field}`);
    return line.slice(field.length + 1);
  } finally {
    client.close();
  }
}

/**
 * Cuts a replica off from its primary, as a partition of the replication link would: the replica is
 * given credentials its primary refuses (masteruser/masterauth of a user that does not exist) and
 * its link is dropped (CLIENT KILL TYPE master, run on the replica). Redis reconnects at once after
 * that kill, so without the bad credentials the replica would be back within a millisecond; with
 * them every attempt fails until healReplicationLink. Writes the primary acknowledges meanwhile
 * exist on the primary alone.
 */
export async function breakReplicationLink(cluster: LocalCluster, replicaPort: number): Promise<void> {
  const client = await cluster.client(replicaPort);
  try {
    await client.call('CONFIG', 'SET', 'masteruser', 'partitioned-by-test', 'masterauth', 'refused');
    const killed = await client.call('CLIENT', 'KILL', 'TYPE', 'master');
    if (killed.type !== 'integer' || Number(killed.value) !== 1)
      throw new Error(`${replicaPort} had no link to its primary to break: ${JSON.stringify(killed)}`);
  } finally {
    client.close();
  }
}

/** Undoes breakReplicationLink: the replica (or the primary it has become) gets its credentials back. */
export async function healReplicationLink(cluster: LocalCluster, port: number): Promise<void> {
  const client = await cluster.client(port);
  try {
    await client.call('CONFIG', 'SET', 'masteruser', '', 'masterauth', '');
  } finally {
    client.close();
  }
}
