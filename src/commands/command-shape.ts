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
  /** Client state on a connection of its own when needed (transactions, blocking, pub/sub, WAIT). */
  | { readonly kind: 'pinned'; readonly reason: string }
  /** Answered by the gateway itself; `note` says what it means through Slotway. */
  | { readonly kind: 'gateway'; readonly note: string }
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

/**
 * Answered by the gateway: connection state lives in the gateway, not on a shared backend connection.
 * The note says what the command means through Slotway where that differs from a single Redis.
 */
const GATEWAY: Record<string, string> = {
  ping: '',
  echo: '',
  select: 'only database 0, as in a cluster',
  quit: 'as in Redis: +OK after the earlier replies, then the connection closes',
  reset: 'as in Redis: drops MULTI, WATCH, subscriptions, name, RESP3 and the user',
  hello: 'protocol, AUTH and SETNAME held per client; RESP3 clients get RESP3 backend connections',
  auth: 'gateway users (auth.password, auth.users); backend credentials are configured separately',
  readonly: 'accepted; the gateway sends READONLY to replicas itself (backend.readFrom)',
  readwrite: 'accepted; the gateway sends READONLY to replicas itself (backend.readFrom)',
  asking: 'accepted; the gateway follows ASK redirects itself',
  'client|setname': 'names the client’s gateway connection, never a backend connection',
  'client|getname': 'the name set on the gateway connection',
  'client|id': 'the gateway connection’s id, unique per gateway process',
  'client|info': 'the gateway connection',
  'client|list': 'the gateway’s own clients',
  'client|setinfo': 'held on the gateway connection',
  'client|no-evict':
    'ON/OFF accepted, no effect: the gateway evicts no client (only the output-buffer limit closes one)',
  'client|no-touch': 'ON/OFF accepted, no effect: reads on shared connections touch keys as usual',
  'client|reply': 'ON only; OFF and SKIP are refused',
  'client|help': '',
  'cluster|keyslot': 'computed by the gateway',
  'cluster|info': 'the gateway’s view of the cluster',
  'cluster|myid': 'the gateway’s own id',
  // The user is the one the client authenticated as at the gateway, not the backend's.
  'acl|whoami': 'the gateway user the client authenticated as',
};

const PINNED: Record<string, string> = {
  multi: 'transaction: queued in the gateway; a key of another slot gets CROSSSLOT, and EXEC then EXECABORT',
  exec: 'sends MULTI … EXEC as one block to the primary of the first key’s slot (on the WATCH connection if any)',
  discard: 'drops the queued block and releases the WATCH connection',
  watch: 'pins a connection to the key’s primary until EXEC, DISCARD, UNWATCH, RESET or disconnect',
  unwatch: 'releases the WATCH connection',
  subscribe: 'pub/sub: one connection to any primary (PUBLISH reaches every node), moved when it fails',
  unsubscribe: 'pub/sub: confirmed by the gateway at once; nothing of the channel arrives after it',
  psubscribe: 'pub/sub: one connection to any primary (PUBLISH reaches every node), moved when it fails',
  punsubscribe: 'pub/sub: confirmed by the gateway at once; nothing of the pattern arrives after it',
  ssubscribe: 'sharded pub/sub: on the owner of the channel’s slot, following slot moves and failover',
  sunsubscribe: 'sharded pub/sub: confirmed by the gateway at once',
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
  const note = GATEWAY[name];
  if (note !== undefined) return { kind: 'gateway', note };
  const pinned = PINNED[name];
  if (pinned) return { kind: 'pinned', reason: pinned };
  const refused = REFUSED[name];
  if (refused) return { kind: 'refused', reason: refused };
  const pubsub = PUBSUB[name];
  if (pubsub) return pubsub;
  if (name === 'scan') return { kind: 'scan' };
  if (name === 'randomkey') return { kind: 'random-key' };
  if (spec.flags.has('blocking') && name !== 'xread' && name !== 'xreadgroup') {
    return {
      kind: 'pinned',
      reason: 'blocking command: on a connection of the client’s own, closed when the client goes',
    };
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
