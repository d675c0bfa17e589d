// Set commands.

import { type Arg, makeCommand } from '../command.js';
import type { ResultKind } from './command-sink.js';
import { ListCommands } from './lists.js';
import { arrayOf, asBoolean, asInteger, asNullableString, asStrings } from './reply-types.js';

export abstract class SetCommands<K extends ResultKind, Acc extends unknown[] = []> extends ListCommands<
  K,
  Acc
> {
  /** Number of members added (existing members do not count). */
  sadd(key: Arg, ...members: Arg[]) {
    return this.send(makeCommand(['SADD', key, ...members], asInteger));
  }

  srem(key: Arg, ...members: Arg[]) {
    return this.send(makeCommand(['SREM', key, ...members], asInteger));
  }

  smembers(key: Arg) {
    return this.send(makeCommand(['SMEMBERS', key], asStrings));
  }

  sismember(key: Arg, member: Arg) {
    return this.send(makeCommand(['SISMEMBER', key, member], asBoolean));
  }

  smismember(key: Arg, ...members: Arg[]) {
    return this.send(makeCommand(['SMISMEMBER', key, ...members], arrayOf(asBoolean)));
  }

  scard(key: Arg) {
    return this.send(makeCommand(['SCARD', key], asInteger));
  }

  spop(key: Arg) {
    return this.send(makeCommand(['SPOP', key], asNullableString));
  }

  srandmember(key: Arg) {
    return this.send(makeCommand(['SRANDMEMBER', key], asNullableString));
  }

  /** All keys must hash to the same slot (SINTER, SUNION and SDIFF are same-slot commands). */
  sinter(...keys: Arg[]) {
    return this.send(makeCommand(['SINTER', ...keys], asStrings));
  }

  sunion(...keys: Arg[]) {
    return this.send(makeCommand(['SUNION', ...keys], asStrings));
  }

  sdiff(...keys: Arg[]) {
    return this.send(makeCommand(['SDIFF', ...keys], asStrings));
  }

  smove(source: Arg, destination: Arg, member: Arg) {
    return this.send(makeCommand(['SMOVE', source, destination, member], asBoolean));
  }
}
