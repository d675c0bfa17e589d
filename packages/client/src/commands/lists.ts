// List commands (non-blocking; blocking pops hold a connection and belong on the WebSocket client).

import { type Arg, makeCommand } from '../command.js';
import type { ResultKind } from './command-sink.js';
import { HashCommands } from './hashes.js';
import { asInteger, asNullableInteger, asNullableString, asOk, asStrings } from './reply-types.js';

export type ListEnd = 'LEFT' | 'RIGHT';

export abstract class ListCommands<K extends ResultKind, Acc extends unknown[] = []> extends HashCommands<
  K,
  Acc
> {
  /** Length of the list after the push. */
  lpush(key: Arg, ...values: Arg[]) {
    return this.send(makeCommand(['LPUSH', key, ...values], asInteger));
  }

  rpush(key: Arg, ...values: Arg[]) {
    return this.send(makeCommand(['RPUSH', key, ...values], asInteger));
  }

  /** Pushes only when the list exists; 0 otherwise. */
  lpushx(key: Arg, ...values: Arg[]) {
    return this.send(makeCommand(['LPUSHX', key, ...values], asInteger));
  }

  rpushx(key: Arg, ...values: Arg[]) {
    return this.send(makeCommand(['RPUSHX', key, ...values], asInteger));
  }

  lpop(key: Arg) {
    return this.send(makeCommand(['LPOP', key], asNullableString));
  }

  rpop(key: Arg) {
    return this.send(makeCommand(['RPOP', key], asNullableString));
  }

  /** Elements `start`..`stop` inclusive; negative indexes count from the end. */
  lrange(key: Arg, start: number, stop: number) {
    return this.send(makeCommand(['LRANGE', key, start, stop], asStrings));
  }

  llen(key: Arg) {
    return this.send(makeCommand(['LLEN', key], asInteger));
  }

  lindex(key: Arg, index: number) {
    return this.send(makeCommand(['LINDEX', key, index], asNullableString));
  }

  lset(key: Arg, index: number, value: Arg) {
    return this.send(makeCommand(['LSET', key, index, value], asOk));
  }

  /** Removes `count` occurrences of `value` (all when 0, from the tail when negative). */
  lrem(key: Arg, count: number, value: Arg) {
    return this.send(makeCommand(['LREM', key, count, value], asInteger));
  }

  ltrim(key: Arg, start: number, stop: number) {
    return this.send(makeCommand(['LTRIM', key, start, stop], asOk));
  }

  /** Length after the insert; -1 when `pivot` was not found. */
  linsert(key: Arg, where: 'BEFORE' | 'AFTER', pivot: Arg, value: Arg) {
    return this.send(makeCommand(['LINSERT', key, where, pivot, value], asInteger));
  }

  /** Both keys must hash to the same slot. */
  lmove(source: Arg, destination: Arg, from: ListEnd, to: ListEnd) {
    return this.send(makeCommand(['LMOVE', source, destination, from, to], asNullableString));
  }

  /** Index of the first occurrence of `value`, or null. */
  lpos(key: Arg, value: Arg) {
    return this.send(makeCommand(['LPOS', key, value], asNullableInteger));
  }
}
