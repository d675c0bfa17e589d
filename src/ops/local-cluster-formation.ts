// Turns freshly started cluster-mode servers into a cluster with our own admin connections (no
// redis-cli): slots, distinct config epochs, MEET, REPLICATE, then waits until every node agrees
// on the same healthy topology and every replica has finished its initial sync.

import { type AdminClient, replyText } from '../backend/admin-client.js';
import type { Logger } from '../observability/logger.js';
import type { PlannedNode } from './local-cluster-layout.js';
import type { ServerProcess } from './local-cluster-process.js';
import { readShards } from './local-cluster-shards.js';
import { waitUntil } from './local-cluster-wait.js';

export interface FormingNode {
  plan: PlannedNode;
  server: ServerProcess;
  client: AdminClient;
  /** Cluster node id; set by formCluster. */
  id: string;
}

export interface FormationOptions {
  host: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  logger: Logger;
}

/** One line of CLUSTER NODES, reduced to what formation checks. */
interface NodeView {
  id: string;
  flags: string[];
  primaryId: string | null;
  linkState: string;
}

export async function formCluster(nodes: FormingNode[], options: FormationOptions): Promise<void> {
  const began = Date.now();
  const phase = (name: string) =>
    options.logger.debug({ ms: Date.now() - began }, `cluster formation: ${name}`);
  for (const node of nodes) node.id = replyText(await node.client.call('CLUSTER', 'MYID'));

  // Distinct epochs up front (as redis-cli does) spare the cluster its epoch-collision rounds.
  await Promise.all(
    nodes.map(async (node, index) => {
      await node.client.call('CLUSTER', 'SET-CONFIG-EPOCH', index + 1);
      for (const [first, last] of node.plan.slots) {
        await node.client.call('CLUSTER', 'ADDSLOTSRANGE', first, last);
      }
    }),
  );

  // Every pair meets directly: one introducer would leave the rest to gossip, which spreads
  // about one hop per second and made this the slowest step of start-up.
  await Promise.all(
    nodes.map(async (node, index) => {
      for (const other of nodes.slice(index + 1)) {
        await node.client.call('CLUSTER', 'MEET', options.host, other.plan.port);
      }
    }),
  );
  await waitUntil(
    () => meetProblem(nodes),
    waitOptions(nodes, options, 'every node to know every other node'),
  );
  phase('all nodes met');

  const replicas = nodes.filter((n) => n.plan.role === 'replica');
  for (const node of replicas) {
    const primary = nodes[node.plan.primaryIndex!]!;
    await node.client.call('CLUSTER', 'REPLICATE', primary.id);
  }
  if (replicas.length > 0) {
    await waitUntil(
      async () => {
        const problems = await Promise.all(replicas.map(replicaSyncProblem));
        return problems.find((p) => p !== null) ?? null;
      },
      waitOptions(nodes, options, 'every replica to finish its initial sync'),
    );
    phase('replicas in sync');
    // CLUSTER SHARDS reports a replica at replication offset 0 as `loading`, and a new, empty
    // cluster stays at 0 until its first write. FLUSHALL is always propagated (even on an empty
    // dataset) and leaves no data behind, so it moves every offset past 0. Done now, it overlaps
    // with the primaries' start-up delay before they may declare cluster_state:ok.
    await Promise.all(nodes.filter((n) => n.plan.role === 'primary').map((n) => n.client.call('FLUSHALL')));
  }
  await waitUntil(
    async () => (await readinessProblem(nodes)) ?? (await shardsProblem(nodes)),
    waitOptions(nodes, options, 'cluster_state:ok and every shard member online on every node'),
  );
  phase('cluster ready');
}

function waitOptions(nodes: FormingNode[], options: FormationOptions, what: string) {
  return {
    what,
    timeoutMs: options.timeoutMs,
    intervalMs: 100,
    signal: options.signal,
    fatal: () => {
      for (const node of nodes) {
        const exited = node.server.exitError();
        if (exited) return exited;
      }
      return null;
    },
    diagnose: (problem: string) => {
      // The node named first in the problem is the one whose log explains it.
      const culprit = nodes.find((n) => problem.startsWith(n.server.label)) ?? nodes[0]!;
      return `log tail of ${culprit.server.label}:\n${culprit.server.logTail()}`;
    },
  };
}

async function meetProblem(nodes: FormingNode[]): Promise<string | null> {
  const problems = await Promise.all(
    nodes.map(async (node) => {
      const views = parseClusterNodes(replyText(await node.client.call('CLUSTER', 'NODES')));
      const handshaking = views.find((v) => v.flags.includes('handshake') || v.flags.includes('noaddr'));
      if (handshaking) return `${node.server.label} is still in handshake with a node`;
      const missing = nodes.find((other) => !views.some((v) => v.id === other.id));
      return missing ? `${node.server.label} does not know ${missing.server.label} yet` : null;
    }),
  );
  return problems.find((p) => p !== null) ?? null;
}

async function readinessProblem(nodes: FormingNode[]): Promise<string | null> {
  const problems = await Promise.all(nodes.map((node) => nodeProblem(node, nodes)));
  return problems.find((p) => p !== null) ?? null;
}

/** What still keeps `node` from being ready, or null. */
async function nodeProblem(node: FormingNode, all: FormingNode[]): Promise<string | null> {
  const label = node.server.label;
  const info = parseInfo(replyText(await node.client.call('CLUSTER', 'INFO')));
  if (info.get('cluster_state') !== 'ok') return `${label} has cluster_state:${info.get('cluster_state')}`;
  const known = Number(info.get('cluster_known_nodes'));
  if (known !== all.length) return `${label} knows ${known} nodes, expected ${all.length}`;

  // Every node must see the intended roles, so discovery from any seed gives the same answer.
  const views = parseClusterNodes(replyText(await node.client.call('CLUSTER', 'NODES')));
  for (const peer of all) {
    const view = views.find((v) => v.id === peer.id);
    if (!view) return `${label} does not know ${peer.server.label}`;
    if (view.flags.some((f) => f === 'fail' || f === 'fail?')) {
      return `${label} flags ${peer.server.label} as ${view.flags.join(',')}`;
    }
    if (!view.flags.includes('myself') && view.linkState !== 'connected') {
      return `${label} has no bus link to ${peer.server.label}`;
    }
    const expectedPrimary = peer.plan.primaryIndex === undefined ? null : all[peer.plan.primaryIndex]!.id;
    const isReplica = view.flags.includes('slave');
    if (expectedPrimary === null ? isReplica : !isReplica || view.primaryId !== expectedPrimary) {
      return `${label} does not yet see ${peer.server.label} as ${peer.plan.role}`;
    }
  }

  return node.plan.role === 'replica' ? replicaSyncProblem(node) : null;
}

async function replicaSyncProblem(node: FormingNode): Promise<string | null> {
  const label = node.server.label;
  const repl = parseInfo(replyText(await node.client.call('INFO', 'replication')));
  if (repl.get('master_link_status') !== 'up') {
    return `${label} has master_link_status:${repl.get('master_link_status') ?? 'unknown'}`;
  }
  if (repl.get('master_sync_in_progress') !== '0') return `${label} is still syncing from its primary`;
  return null;
}

async function shardsProblem(nodes: FormingNode[]): Promise<string | null> {
  const problems = await Promise.all(
    nodes.map(async (node) => {
      const shards = await readShards(node.client);
      if (shards === null) return null;
      for (const member of shards.flatMap((s) => s.nodes)) {
        if (member.health !== 'online')
          return `${node.server.label} reports port ${member.port} as ${member.health}`;
      }
      return null;
    }),
  );
  return problems.find((p) => p !== null) ?? null;
}

/** `key:value` lines of INFO / CLUSTER INFO. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

function parseClusterNodes(text: string): NodeView[] {
  const views: NodeView[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    if (fields.length < 8) continue;
    const [id, , flags, primary, , , , linkState] = fields;
    views.push({
      id: id!,
      flags: flags!.split(','),
      primaryId: primary === '-' ? null : primary!,
      linkState: linkState!,
    });
  }
  return views;
}
