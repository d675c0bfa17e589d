// String commands.

import { type Arg, makeCommand } from '../command.js';
import type { ResultKind } from './command-sink.js';
import { KeyCommands } from './keys.js';
import {
  asInteger,
  asNullableBytes,
  asNullableOk,
  asNullableString,
  asNullableStrings,
  asOk,
  asScore,
  asString,
} from './reply-types.js';

export interface SetOptions {
  /** Expire after this many seconds. */
  ex?: number;
  /** Expire after this many milliseconds. */
  px?: number;
  /** Expire at this Unix time in seconds. */
  exat?: number;
  /** Expire at this Unix time in milliseconds. */
  pxat?: number;
  /** Keep the key's current time to live. */
  keepTtl?: boolean;
  /** Only set when the key does not exist (the reply is null otherwise). */
  nx?: boolean;
  /** Only set when the key exists (the reply is null otherwise). */
  xx?: boolean;
}

export interface GetExOptions {
  ex?: number;
  px?: number;
  exat?: number;
  pxat?: number;
  /** Remove the time to live. */
  persist?: boolean;
}

function expiryArgs(options: SetOptions & GetExOptions): Arg[] {
  const args: Arg[] = [];
  if (options.ex !== undefined) args.push('EX', options.ex);
  if (options.px !== undefined) args.push('PX', options.px);
  if (options.exat !== undefined) args.push('EXAT', options.exat);
  if (options.pxat !== undefined) args.push('PXAT', options.pxat);
  return args;
}

export abstract class StringCommands<K extends ResultKind, Acc extends unknown[] = []> extends KeyCommands<
  K,
  Acc
> {
  get(key: Arg) {
    return this.send(makeCommand(['GET', key], asNullableString));
  }

  /** GET, with the value as raw bytes (binary-safe through base64 on the wire). */
  getBytes(key: Arg) {
    return this.send(makeCommand(['GET', key], asNullableBytes, { bytes: true }));
  }

  /** `'OK'`, or null when an `nx` / `xx` condition was not met. */
  set(key: Arg, value: Arg, options: SetOptions = {}) {
    const args: Arg[] = ['SET', key, value, ...expiryArgs(options)];
    if (options.keepTtl) args.push('KEEPTTL');
    if (options.nx) args.push('NX');
    if (options.xx) args.push('XX');
    return this.send(makeCommand(args, asNullableOk));
  }

  /** Values in the order of `keys`; null for missing keys. Keys may live on different shards. */
  mget(...keys: Arg[]) {
    return this.send(makeCommand(['MGET', ...keys], asNullableStrings));
  }

  mset(entries: Readonly<Record<string, Arg>>) {
    const args: Arg[] = ['MSET'];
    for (const [key, value] of Object.entries(entries)) args.push(key, value);
    return this.send(makeCommand(args, asOk));
  }

  incr(key: Arg) {
    return this.send(makeCommand(['INCR', key], asInteger));
  }

  incrby(key: Arg, increment: number) {
    return this.send(makeCommand(['INCRBY', key, increment], asInteger));
  }

  incrbyfloat(key: Arg, increment: number) {
    return this.send(makeCommand(['INCRBYFLOAT', key, increment], asScore));
  }

  decr(key: Arg) {
    return this.send(makeCommand(['DECR', key], asInteger));
  }

  decrby(key: Arg, decrement: number) {
    return this.send(makeCommand(['DECRBY', key, decrement], asInteger));
  }

  /** Length of the value after appending. */
  append(key: Arg, value: Arg) {
    return this.send(makeCommand(['APPEND', key, value], asInteger));
  }

  getdel(key: Arg) {
    return this.send(makeCommand(['GETDEL', key], asNullableString));
  }

  /** GET that also sets or removes the time to live. */
  getex(key: Arg, options: GetExOptions = {}) {
    const args: Arg[] = ['GETEX', key, ...expiryArgs(options)];
    if (options.persist) args.push('PERSIST');
    return this.send(makeCommand(args, asNullableString));
  }

  strlen(key: Arg) {
    return this.send(makeCommand(['STRLEN', key], asInteger));
  }

  getrange(key: Arg, start: number, end: number) {
    return this.send(makeCommand(['GETRANGE', key, start, end], asString));
  }

  /** Length of the value after the write. */
  setrange(key: Arg, offset: number, value: Arg) {
    return this.send(makeCommand(['SETRANGE', key, offset, value], asInteger));
  }
}
