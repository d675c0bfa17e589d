// Connection and server-wide commands, and the raw escape hatch `command()` for anything untyped.

import { type Arg, type CommandOptions, type Decoder, makeCommand } from '../command.js';
import { CommandSink, type ResultKind } from './command-sink.js';
import { asInteger, asIs, asOk, asString } from './reply-types.js';

export abstract class ServerCommands<K extends ResultKind, Acc extends unknown[] = []> extends CommandSink<
  K,
  Acc
> {
  /**
   * Any command, untyped: `command<number>(['INCRBY', 'k', 5])`. It is retried after a lost answer only
   * when it is a read or a known idempotent write, or when `options.idempotent` says so.
   */
  command<T = unknown>(args: readonly Arg[], options?: CommandOptions) {
    return this.send(makeCommand(args, asIs as Decoder<T>, options));
  }

  ping(message?: Arg) {
    return this.send(makeCommand(message === undefined ? ['PING'] : ['PING', message], asString));
  }

  echo(message: Arg) {
    return this.send(makeCommand(['ECHO', message], asString));
  }

  /** Keys in the whole cluster (the gateway sums every primary). */
  dbsize() {
    return this.send(makeCommand(['DBSIZE'], asInteger));
  }

  /** Deletes every key on every primary. */
  flushall(mode?: 'ASYNC' | 'SYNC') {
    return this.send(makeCommand(mode ? ['FLUSHALL', mode] : ['FLUSHALL'], asOk));
  }

  flushdb(mode?: 'ASYNC' | 'SYNC') {
    return this.send(makeCommand(mode ? ['FLUSHDB', mode] : ['FLUSHDB'], asOk));
  }
}
