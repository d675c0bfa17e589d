// Every command the backend lists gets exactly one shape: how the gateway executes it. Adding a
// command means choosing its shape here, not writing a new code path (the Envoy splitter model).
// Shapes come from a few explicit lists plus the server's own command flags and tips.

import { type CommandSpec, tipValue } from './command-spec.js';

export type MergePolicy =
  /** Integer replies added up (DBSIZE, DEL across slots). */
  | 'sum'
  /** Every node must answer OK; the first error wins. */
  | 'all-succeeded'
  /** The first non-error reply. */
  | 'one-succeeded'
  /** Arrays concatenated (KEYS). */
  | 'concat'
  /** Element-wise AND of integer arrays (SCRIPT EXISTS). */
  | 'logical-and'
  /** Element-wise OR of integer arrays. */
  | 'logical-or'
  | 'min'
  | 'max'
  /** INFO: sections per node, summed where numeric. */
  | 'info'
  /** Arrays concatenated without duplicates (PUBSUB CHANNELS). */
  | 'union'
  /** Flat [name, count, ...] arrays with counts added per name (PUBSUB NUMSUB). */
  | 'sum-per-name';

export type CommandShape =
  /** All keys in one slot: routed to that slot's owner; keys in several slots get CROSSSLOT. */
  | { readonly kind: 'single-slot' }
  /** Split per slot, run in parallel, merged (MGET, MSET, DEL, ...). */
  | { readonly kind: 'split'; readonly merge: 'mget' | 'mset' | 'sum'; readonly keyStep: 1 | 2 }
  /** Sent to every primary (or every node) and aggregated. */
  | { readonly kind: 'fan-out'; readonly target: 'primaries' | 'all-nodes'; readonly merge: MergePolicy }
  /** SCAN over every primary with a cursor that encodes the node. */
  | { readonly kind: 'scan' }
  /** RANDOMKEY: a random primary, the next one when it is empty. */
  | { readonly kind: 'random-key' }
  /** Keyless command any primary can answer. */
  | { readonly kind: 'any-node' }
  /** Needs a connection of its own (transactions, blocking, pub/sub). */
  | { readonly kind: 'pinned'; readonly reason: string }
  /** Answered by the gateway itself. */
  | { readonly kind: 'gateway' }
  /** Refused with a clear error. */
  | { readonly kind: 'refused'; readonly reason: string };

const SPLIT: Record<string, CommandShape> = {
  mget: { kind: 'split', merge: 'mget', keyStep: 1 },
  mset: { kind: 'split', merge: 'mset', keyStep: 2 },
  del: { kind: 'split', merge: 'sum', keyStep: 1 },
  unlink: { kind: 'split', merge: 'sum', keyStep: 1 },
  exists: { kind: 'split', merge: 'sum', keyStep: 1 },
  touch: { kind: 'split', merge: 'sum', keyStep: 1 },
};

/** Answered by the gateway: connection state lives in the gateway, not on a shared backend connection. */
const GATEWAY = new Set([
  'ping',
  'echo',
  'select',
  'quit',
  'reset',
  'hello',
  'auth',
  'readonly',
  'readwrite',
  'asking',
  'client|setname',
  'client|getname',
  'client|id',
  'client|info',
  'client|list',
  'client|setinfo',
  'client|no-evict',
  'client|no-touch',
  'client|reply',
  'client|help',
  'cluster|keyslot',
  'cluster|info',
  'cluster|myid',
  // The user is the one the client authenticated as at the gateway, not the backend's.
  'acl|whoami',
]);

const PINNED: Record<string, string> = {
  multi: 'transaction',
  exec: 'transaction',
  discard: 'transaction',
  watch: 'transaction',
  unwatch: 'transaction',
  subscribe: 'pub/sub',
  unsubscribe: 'pub/sub',
  psubscribe: 'pub/sub',
  punsubscribe: 'pub/sub',
  ssubscribe: 'pub/sub',
  sunsubscribe: 'pub/sub',
  wait: 'replication acknowledgement on the connection that carried the writes',
  waitaof: 'replication acknowledgement on the connection that carried the writes',
};

/** Commands that only make sense against one server, or would break the gateway's shared connections. */
const REFUSED: Record<string, string> = {
  monitor: 'MONITOR would capture a shared backend connection; run it against a node directly',
  sync: 'replication commands are not proxied',
  psync: 'replication commands are not proxied',
  replconf: 'replication commands are not proxied',
  replicaof: 'topology changes are made on the nodes, not through the gateway',
  slaveof: 'topology changes are made on the nodes, not through the gateway',
  failover: 'topology changes are made on the nodes, not through the gateway',
  shutdown: 'SHUTDOWN is not proxied; stop nodes directly',
  debug: 'DEBUG is not proxied; run it against a node directly',
  swapdb: 'a cluster has only database 0',
  move: 'a cluster has only database 0',
  'client|kill': 'CLIENT KILL would act on the gateway\u2019s shared backend connections',
  'client|pause': 'CLIENT PAUSE would act on the gateway\u2019s shared backend connections',
  'client|unpause': 'CLIENT UNPAUSE would act on the gateway\u2019s shared backend connections',
  'client|tracking': 'client-side caching needs a connection of its own (not supported yet)',
  'client|caching': 'client-side caching needs a connection of its own (not supported yet)',
  'client|getredir': 'client-side caching needs a connection of its own (not supported yet)',
  'client|trackinginfo': 'client-side caching needs a connection of its own (not supported yet)',
  'client|unblock': 'CLIENT UNBLOCK would act on the gateway\u2019s shared backend connections',
  'script|debug': 'Lua debugging would capture a shared backend connection; run it against a node directly',
};

/** Pub/sub introspection: subscribers may sit on any node, so every node is asked and the answers merged. */
const PUBSUB: Record<string, CommandShape> = {
  'pubsub|channels': { kind: 'fan-out', target: 'all-nodes', merge: 'union' },
  'pubsub|numsub': { kind: 'fan-out', target: 'all-nodes', merge: 'sum-per-name' },
  'pubsub|numpat': { kind: 'fan-out', target: 'all-nodes', merge: 'sum' },
  'pubsub|shardchannels': { kind: 'fan-out', target: 'primaries', merge: 'union' },
  'pubsub|shardnumsub': { kind: 'fan-out', target: 'primaries', merge: 'sum-per-name' },
};

const ANY_NODE_CONTAINERS = new Set([
  'command',
  'cluster',
  'config',
  'function',
  'script',
  'memory',
  'object',
  'pubsub',
  'xinfo',
]);

/** Chooses the shape of a command (or subcommand) from its name, flags and tips. */
export function shapeOf(spec: CommandSpec): CommandShape {
  const name = spec.name;
  const split = SPLIT[name];
  if (split) return split;
  if (GATEWAY.has(name)) return { kind: 'gateway' };
  const pinned = PINNED[name];
  if (pinned) return { kind: 'pinned', reason: pinned };
  const refused = REFUSED[name];
  if (refused) return { kind: 'refused', reason: refused };
  const pubsub = PUBSUB[name];
  if (pubsub) return pubsub;
  if (name === 'scan') return { kind: 'scan' };
  if (name === 'randomkey') return { kind: 'random-key' };
  if (spec.flags.has('blocking') && name !== 'xread' && name !== 'xreadgroup') {
    return { kind: 'pinned', reason: 'blocking command' };
  }
  const hasKeys = spec.keySpecs.length > 0 || spec.firstKey > 0;
  const request = tipValue(spec, 'request_policy');
  if (!hasKeys && (request === 'all_shards' || request === 'all_nodes')) {
    return {
      kind: 'fan-out',
      target: request === 'all_nodes' ? 'all-nodes' : 'primaries',
      merge: mergePolicy(spec),
    };
  }
  if (hasKeys) return { kind: 'single-slot' };
  if (name.startsWith('cluster|')) return clusterSubcommand(name);
  if (spec.flags.has('admin') && !ANY_NODE_CONTAINERS.has(name.split('|')[0]!)) {
    return {
      kind: 'refused',
      reason: `${name.replace('|', ' ').toUpperCase()} is an administrative command; run it against the nodes directly`,
    };
  }
  return { kind: 'any-node' };
}

function mergePolicy(spec: CommandSpec): MergePolicy {
  switch (tipValue(spec, 'response_policy')) {
    case 'agg_sum':
      return 'sum';
    case 'all_succeeded':
      return 'all-succeeded';
    case 'one_succeeded':
      return 'one-succeeded';
    case 'agg_logical_and':
      return 'logical-and';
    case 'agg_logical_or':
      return 'logical-or';
    case 'agg_min':
      return 'min';
    case 'agg_max':
      return 'max';
    case 'special':
      return spec.name === 'info' ? 'info' : 'all-succeeded';
    default:
      // No response policy: a keyless command's nested replies are packed into one (KEYS, SLOWLOG
      // GET), per the command-tips reference; scalar replies fall back to the first one.
      return 'concat';
  }
}

function clusterSubcommand(name: string): CommandShape {
  switch (name) {
    // Only the slot's owner holds its keys (the others answer 0 / nothing), so asking every primary
    // and adding up is exact without a routing shape of its own.
    case 'cluster|countkeysinslot':
      return { kind: 'fan-out', target: 'primaries', merge: 'sum' };
    case 'cluster|getkeysinslot':
      return { kind: 'fan-out', target: 'primaries', merge: 'concat' };
    case 'cluster|slots':
    case 'cluster|shards':
    case 'cluster|nodes':
    case 'cluster|links':
    case 'cluster|help':
      return { kind: 'any-node' };
    default:
      return {
        kind: 'refused',
        reason: `${name.replace('|', ' ').toUpperCase()} changes cluster state; run it against the nodes directly`,
      };
  }
}
