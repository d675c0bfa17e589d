// Commands on keys of any type: existence, expiry, renaming, iteration.

import { type Arg, makeCommand } from '../command.js';
import type { ResultKind } from './command-sink.js';
import {
  asBoolean,
  asInteger,
  asNullableString,
  asOk,
  asScanPage,
  asString,
  asStrings,
} from './reply-types.js';
import { ServerCommands } from './server.js';

/** Condition for EXPIRE and friends (Redis 7+). */
export type ExpireCondition = 'NX' | 'XX' | 'GT' | 'LT';

export interface ScanOptions {
  match?: string;
  count?: number;
  /** Only keys of this type (string, list, set, zset, hash, stream). */
  type?: string;
}

export function scanArgs(options: ScanOptions = {}): Arg[] {
  const args: Arg[] = [];
  if (options.match !== undefined) args.push('MATCH', options.match);
  if (options.count !== undefined) args.push('COUNT', options.count);
  if (options.type !== undefined) args.push('TYPE', options.type);
  return args;
}

function withCondition(args: Arg[], condition: ExpireCondition | undefined): Arg[] {
  if (condition) args.push(condition);
  return args;
}

export abstract class KeyCommands<K extends ResultKind, Acc extends unknown[] = []> extends ServerCommands<
  K,
  Acc
> {
  /** Number of keys deleted. */
  del(...keys: Arg[]) {
    return this.send(makeCommand(['DEL', ...keys], asInteger));
  }

  unlink(...keys: Arg[]) {
    return this.send(makeCommand(['UNLINK', ...keys], asInteger));
  }

  /** How many of `keys` exist (a key named twice counts twice). */
  exists(...keys: Arg[]) {
    return this.send(makeCommand(['EXISTS', ...keys], asInteger));
  }

  touch(...keys: Arg[]) {
    return this.send(makeCommand(['TOUCH', ...keys], asInteger));
  }

  /** True when the timeout was set. */
  expire(key: Arg, seconds: number, condition?: ExpireCondition) {
    return this.send(makeCommand(withCondition(['EXPIRE', key, seconds], condition), asBoolean));
  }

  pexpire(key: Arg, milliseconds: number, condition?: ExpireCondition) {
    return this.send(makeCommand(withCondition(['PEXPIRE', key, milliseconds], condition), asBoolean));
  }

  expireat(key: Arg, unixSeconds: number, condition?: ExpireCondition) {
    return this.send(makeCommand(withCondition(['EXPIREAT', key, unixSeconds], condition), asBoolean));
  }

  pexpireat(key: Arg, unixMilliseconds: number, condition?: ExpireCondition) {
    return this.send(makeCommand(withCondition(['PEXPIREAT', key, unixMilliseconds], condition), asBoolean));
  }

  /** Seconds to live; -1 without expiry, -2 when the key does not exist. */
  ttl(key: Arg) {
    return this.send(makeCommand(['TTL', key], asInteger));
  }

  pttl(key: Arg) {
    return this.send(makeCommand(['PTTL', key], asInteger));
  }

  /** True when a timeout was removed. */
  persist(key: Arg) {
    return this.send(makeCommand(['PERSIST', key], asBoolean));
  }

  /** `string`, `list`, `set`, `zset`, `hash`, `stream`, or `none`. */
  type(key: Arg) {
    return this.send(makeCommand(['TYPE', key], asString));
  }

  /** Both keys must hash to the same slot (use a hash tag: `{user1}:a`, `{user1}:b`). */
  rename(key: Arg, newKey: Arg) {
    return this.send(makeCommand(['RENAME', key, newKey], asOk));
  }

  renamenx(key: Arg, newKey: Arg) {
    return this.send(makeCommand(['RENAMENX', key, newKey], asBoolean));
  }

  randomkey() {
    return this.send(makeCommand(['RANDOMKEY'], asNullableString));
  }

  /** Every key matching `pattern` on every primary; prefer `scan` / `scanIterator` on big data sets. */
  keys(pattern: string) {
    return this.send(makeCommand(['KEYS', pattern], asStrings));
  }

  /** One SCAN page: `[nextCursor, keys]`; the cursor is `'0'` when the iteration is complete. */
  scan(cursor: string | number, options?: ScanOptions) {
    return this.send(makeCommand(['SCAN', cursor, ...scanArgs(options)], asScanPage));
  }
}
