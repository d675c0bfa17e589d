// Reads a Redis Cluster / Valkey cluster topology: CLUSTER SHARDS (Redis 7+, Valkey), falling back to
// CLUSTER SLOTS on older servers. Parsing is lenient: integers as strings, empty or `?` endpoints
// (meaning "the host you asked" / "unknown"), IPv6 addresses, extra fields from newer servers.

import type { RespValue } from '../protocol/resp-value.js';
import { fieldsOf, intOf, itemsOf, textOf } from './reply-fields.js';
import { type NodeAddress, nodeAddress, type Shard, SlotMap } from './slot-map.js';

export interface DiscoveredShard {
  ranges: Array<[number, number]>;
  shard: Shard;
}

/**
 * Resolves the host to use for a node from what the server advertised and who we asked. An empty
 * (or NULL) endpoint means "unknown: use the host you sent this command to", as with
 * cluster-preferred-endpoint-type unknown-endpoint behind a load balancer; `?` means the preferred
 * hostname is not set, so the node's ip is the next best thing.
 */
function endpointHost(endpoint: string, ip: string, askedHost: string): string | null {
  if (endpoint === '') return askedHost;
  if (endpoint !== '?') return endpoint;
  return ip && ip !== '?' ? ip : null;
}

/**
 * Parses a CLUSTER SHARDS reply. Replicas that are not online are left out of the replica list. A
 * cluster with tls-cluster lists a node's plain `port` and its `tls-port`; `tls` picks the latter.
 */
export function parseClusterShards(reply: RespValue, askedHost: string, tls = false): DiscoveredShard[] {
  const result: DiscoveredShard[] = [];
  for (const shardValue of itemsOf(reply)) {
    const fields = fieldsOf(shardValue);
    const slotBounds = itemsOf(fields.get('slots')).map(intOf);
    const ranges: Array<[number, number]> = [];
    for (let i = 0; i + 1 < slotBounds.length; i += 2) ranges.push([slotBounds[i]!, slotBounds[i + 1]!]);
    let primary: NodeAddress | undefined;
    const replicas: NodeAddress[] = [];
    for (const nodeValue of itemsOf(fields.get('nodes'))) {
      const node = fieldsOf(nodeValue);
      const host = endpointHost(textOf(node.get('endpoint')), textOf(node.get('ip')), askedHost);
      const port = intOf(
        tls ? (node.get('tls-port') ?? node.get('port')) : (node.get('port') ?? node.get('tls-port')),
      );
      if (host === null || !Number.isFinite(port)) continue;
      const address = nodeAddress(host, port, textOf(node.get('id')) || undefined);
      const role = textOf(node.get('role'));
      const health = textOf(node.get('health')) || 'online';
      if (role === 'master' || role === 'primary') primary = address;
      else if (health === 'online') replicas.push(address);
    }
    if (primary && ranges.length > 0) result.push({ ranges, shard: { primary, replicas } });
  }
  return result;
}

/** Parses a CLUSTER SLOTS reply: [start, end, [host, port, id, ...], replicas...] per range. */
export function parseClusterSlots(reply: RespValue, askedHost: string): DiscoveredShard[] {
  const byPrimary = new Map<string, DiscoveredShard>();
  for (const rangeValue of itemsOf(reply)) {
    const items = itemsOf(rangeValue);
    const from = intOf(items[0]);
    const to = intOf(items[1]);
    if (!Number.isFinite(from) || !Number.isFinite(to)) continue;
    const nodes: Array<NodeAddress | null> = [];
    for (const nodeValue of items.slice(2)) {
      // [endpoint, port, id, {ip, hostname} (Redis 7+), ...]
      const parts = itemsOf(nodeValue);
      const ip = textOf(fieldsOf(parts[3]).get('ip'));
      const host = endpointHost(textOf(parts[0]), ip, askedHost);
      const port = intOf(parts[1]);
      nodes.push(
        host === null || !Number.isFinite(port)
          ? null
          : nodeAddress(host, port, textOf(parts[2]) || undefined),
      );
    }
    // The first node is the primary: when it cannot be placed, skip the range rather than let a
    // replica take its place.
    const [primary, ...rest] = nodes;
    if (!primary) continue;
    const replicas = rest.filter((n): n is NodeAddress => n !== null);
    const entry = byPrimary.get(primary.key);
    if (entry) entry.ranges.push([from, to]);
    else byPrimary.set(primary.key, { ranges: [[from, to]], shard: { primary, replicas } });
  }
  return [...byPrimary.values()];
}

export function slotMapFromShards(shards: DiscoveredShard[], source: string): SlotMap {
  return SlotMap.build(shards, source);
}

/** Splits `host:port`, `[v6]:port` or a bare IPv6 `::1:7000` at the last colon. */
export function splitHostPort(text: string, defaultPort = 6379): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : defaultPort };
  const colon = text.lastIndexOf(':');
  if (colon === -1) return { host: text, port: defaultPort };
  return { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
}
