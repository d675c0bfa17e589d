// Hash commands.

import { type Arg, makeCommand } from '../command.js';
import type { ResultKind } from './command-sink.js';
import {
  asBoolean,
  asInteger,
  asNullableString,
  asNullableStrings,
  asRecord,
  asScore,
  asStrings,
} from './reply-types.js';
import { StringCommands } from './strings.js';

export abstract class HashCommands<K extends ResultKind, Acc extends unknown[] = []> extends StringCommands<
  K,
  Acc
> {
  /** Number of fields that were added (updated fields do not count). */
  hset(key: Arg, fields: Readonly<Record<string, Arg>>) {
    const args: Arg[] = ['HSET', key];
    for (const [field, value] of Object.entries(fields)) args.push(field, value);
    return this.send(makeCommand(args, asInteger));
  }

  /** True when the field was set (it did not exist). */
  hsetnx(key: Arg, field: Arg, value: Arg) {
    return this.send(makeCommand(['HSETNX', key, field, value], asBoolean));
  }

  hget(key: Arg, field: Arg) {
    return this.send(makeCommand(['HGET', key, field], asNullableString));
  }

  hmget(key: Arg, ...fields: Arg[]) {
    return this.send(makeCommand(['HMGET', key, ...fields], asNullableStrings));
  }

  /** Every field and value; `{}` when the key does not exist. */
  hgetall(key: Arg) {
    return this.send(makeCommand(['HGETALL', key], asRecord));
  }

  hdel(key: Arg, ...fields: Arg[]) {
    return this.send(makeCommand(['HDEL', key, ...fields], asInteger));
  }

  hexists(key: Arg, field: Arg) {
    return this.send(makeCommand(['HEXISTS', key, field], asBoolean));
  }

  hincrby(key: Arg, field: Arg, increment: number) {
    return this.send(makeCommand(['HINCRBY', key, field, increment], asInteger));
  }

  hincrbyfloat(key: Arg, field: Arg, increment: number) {
    return this.send(makeCommand(['HINCRBYFLOAT', key, field, increment], asScore));
  }

  hkeys(key: Arg) {
    return this.send(makeCommand(['HKEYS', key], asStrings));
  }

  hvals(key: Arg) {
    return this.send(makeCommand(['HVALS', key], asStrings));
  }

  hlen(key: Arg) {
    return this.send(makeCommand(['HLEN', key], asInteger));
  }

  hstrlen(key: Arg, field: Arg) {
    return this.send(makeCommand(['HSTRLEN', key, field], asInteger));
  }
}
