// What an HTTP caller may run. Token scopes (read-only, key prefix) are checked against the
// backend's own command table; connection-state commands are refused on request/response paths,
// where they would leak into a connection shared with other callers.

import type { CommandEntry } from '../commands/command-table.js';
import { keyIndexes } from '../commands/key-extraction.js';
import type { Principal } from './api-tokens.js';

/**
 * Commands that change data or server state without the `write` flag: scripts and functions that
 * may write (only the *_RO variants are read-only), publishing, script cache changes.
 */
const WRITES_WITHOUT_FLAG = new Set([
  'eval',
  'evalsha',
  'fcall',
  'publish',
  'spublish',
  'script|flush',
  'script|kill',
  'script|load',
  'function|load',
  'function|delete',
  'function|flush',
  'function|kill',
  'function|restore',
]);

/** Keyless commands a key-prefix token may still run: they reveal and touch no keys. */
const KEYLESS_ALLOWED = new Set([
  'ping',
  'echo',
  'time',
  'lastsave',
  'command|count',
  'command|docs',
  'command|info',
]);

/** Scripts and functions can reach any key, declared or not, so a key-prefix token cannot run them. */
const SCRIPTING = new Set([
  'eval',
  'evalsha',
  'eval_ro',
  'evalsha_ro',
  'fcall',
  'fcall_ro',
  'script',
  'function',
]);

/** Pub/sub commands whose channel (pattern) arguments a key-prefix token must stay inside. */
const CHANNEL_ARGS: Record<string, 'first' | 'all' | 'patterns'> = {
  publish: 'first',
  subscribe: 'all',
  psubscribe: 'patterns',
};

/** Commands that change or depend on the state of the connection they run on. */
const CONNECTION_STATE: Record<string, string> = {
  multi: 'send the whole transaction to /multi-exec (or a WebSocket "multi" frame)',
  exec: 'send the whole transaction to /multi-exec (or a WebSocket "multi" frame)',
  discard: 'send the whole transaction to /multi-exec (or a WebSocket "multi" frame)',
  watch: 'WATCH needs a connection of its own; use the RESP port',
  unwatch: 'WATCH needs a connection of its own; use the RESP port',
  subscribe: 'use GET /subscribe/{channel} (server-sent events) or a WebSocket "subscribe" frame',
  psubscribe: 'use GET /psubscribe/{pattern} (server-sent events) or a WebSocket "psubscribe" frame',
  ssubscribe: 'use a WebSocket "ssubscribe" frame',
  unsubscribe: 'subscriptions end when their stream closes, or with a WebSocket "unsubscribe" frame',
  punsubscribe: 'subscriptions end when their stream closes, or with a WebSocket "punsubscribe" frame',
  sunsubscribe: 'subscriptions end when their stream closes, or with a WebSocket "sunsubscribe" frame',
  monitor: 'MONITOR streams forever; use the RESP port',
  auth: 'the API authenticates with its token',
  hello: 'the API speaks JSON, not RESP',
  select: 'a cluster has only database 0',
  quit: 'HTTP requests end by themselves',
  reset: 'HTTP requests have no connection state',
  readonly: 'replica reads are a gateway setting (backend.readFrom)',
  readwrite: 'replica reads are a gateway setting (backend.readFrom)',
  asking: 'redirects are followed by the gateway',
  sync: 'replication is not available over HTTP',
  psync: 'replication is not available over HTTP',
  'client|reply': 'replies cannot be switched off over HTTP',
  'client|setname': 'HTTP requests have no connection of their own',
  'client|setinfo': 'HTTP requests have no connection of their own',
  'client|tracking': 'client-side caching needs a RESP connection',
  'client|caching': 'client-side caching needs a RESP connection',
  'client|no-evict': 'HTTP requests have no connection of their own',
  'client|no-touch': 'HTTP requests have no connection of their own',
};

/** NOPERM text when the principal's scope does not allow the command; null when it does. */
export function scopeRefusal(
  principal: Principal,
  entry: CommandEntry | undefined,
  args: readonly Buffer[],
): string | null {
  // Unknown commands go through: the gateway answers them with Redis's own error.
  if (!entry) return null;
  const name = entry.spec.name;
  if (principal.readOnly && (entry.write || entry.spec.flags.has('admin') || WRITES_WITHOUT_FLAG.has(name))) {
    return `NOPERM this token is read-only and cannot run the '${name}' command`;
  }
  const prefix = principal.keyPrefix;
  if (!prefix) return null;
  const container = name.split('|', 1)[0]!;
  if (SCRIPTING.has(container)) {
    return `NOPERM a key-prefix token cannot run '${name}': scripts can reach keys outside the prefix`;
  }
  const channels = CHANNEL_ARGS[name];
  if (channels) return channelRefusal(prefix, name, channels, args);
  if (entry.spec.needsGetKeys) {
    return `NOPERM a key-prefix token cannot run '${name}': its keys cannot be determined before it runs`;
  }
  const keys = keyIndexes(entry.spec, args);
  if (keys.length === 0) return keylessRefusal(prefix, name, args);
  for (const i of keys) {
    if (!startsWith(args[i]!, prefix)) {
      return `NOPERM this token may only use keys starting with '${prefix.toString('utf8')}'`;
    }
  }
  return null;
}

function keylessRefusal(prefix: Buffer, name: string, args: readonly Buffer[]): string | null {
  if (KEYLESS_ALLOWED.has(name)) return null;
  // KEYS and SCAN are fine when their pattern stays inside the prefix.
  if (name === 'keys' && args[1] && literalPrefixOf(args[1], prefix)) return null;
  if (name === 'scan') {
    for (let i = 2; i + 1 < args.length; i += 2) {
      if (args[i]!.toString('latin1').toLowerCase() === 'match' && literalPrefixOf(args[i + 1]!, prefix))
        return null;
    }
    return `NOPERM a key-prefix token must give SCAN a MATCH pattern starting with '${prefix.toString('utf8')}'`;
  }
  return `NOPERM a key-prefix token cannot run '${name}': it is not limited to keys`;
}

function channelRefusal(
  prefix: Buffer,
  name: string,
  which: 'first' | 'all' | 'patterns',
  args: readonly Buffer[],
): string | null {
  const names = which === 'first' ? args.slice(1, 2) : args.slice(1);
  for (const channel of names) {
    const ok = which === 'patterns' ? literalPrefixOf(channel, prefix) : startsWith(channel, prefix);
    if (!ok) {
      return `NOPERM this token may only use channels starting with '${prefix.toString('utf8')}' (${name})`;
    }
  }
  return null;
}

function startsWith(value: Buffer, prefix: Buffer): boolean {
  return value.length >= prefix.length && value.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

const GLOB = new Set(['*', '?', '[', '\\'].map((c) => c.charCodeAt(0)));

/** True when every string a glob pattern matches starts with `prefix`. */
export function literalPrefixOf(pattern: Buffer, prefix: Buffer): boolean {
  if (!startsWith(pattern, prefix)) return false;
  for (const byte of prefix) if (GLOB.has(byte)) return false;
  return true;
}

/** Why a command cannot run on a shared request/response path; null when it can. */
export function transportRefusal(entry: CommandEntry | undefined): string | null {
  if (!entry) return null;
  const name = entry.spec.name;
  const why = CONNECTION_STATE[name];
  return why ? `ERR ${entry.displayName} is not available here: ${why}` : null;
}

/** Blocking commands run on a dedicated connection so they hold up nobody else. */
export function isBlocking(entry: CommandEntry | undefined, args: readonly Buffer[]): boolean {
  if (!entry?.spec.flags.has('blocking')) return false;
  const name = entry.spec.name;
  if (name !== 'xread' && name !== 'xreadgroup') return true;
  for (let i = 1; i < args.length; i++)
    if (args[i]!.toString('latin1').toLowerCase() === 'block') return true;
  return false;
}
