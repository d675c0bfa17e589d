// Lua scripts and publishing. EVAL/EVALSHA are never retried after a lost answer (a script may do
// anything); the read-only variants are.

import { type Arg, type Decoder, makeCommand } from '../command.js';
import type { ResultKind } from './command-sink.js';
import { arrayOf, asBoolean, asInteger, asIs, asOk, asString } from './reply-types.js';
import { SortedSetCommands } from './sorted-sets.js';

function scriptArgs(name: string, scriptOrSha: string, keys: readonly Arg[], args: readonly Arg[]): Arg[] {
  return [name, scriptOrSha, keys.length, ...keys, ...args];
}

export abstract class ScriptingCommands<
  K extends ResultKind,
  Acc extends unknown[] = [],
> extends SortedSetCommands<K, Acc> {
  /** Runs a script; all `keys` must hash to the same slot. */
  eval<T = unknown>(script: string, keys: readonly Arg[] = [], args: readonly Arg[] = []) {
    return this.send(makeCommand(scriptArgs('EVAL', script, keys, args), asIs as Decoder<T>));
  }

  /** Fails with a `NOSCRIPT` SlotwayReplyError when the node does not know the script. */
  evalsha<T = unknown>(sha1: string, keys: readonly Arg[] = [], args: readonly Arg[] = []) {
    return this.send(makeCommand(scriptArgs('EVALSHA', sha1, keys, args), asIs as Decoder<T>));
  }

  evalRo<T = unknown>(script: string, keys: readonly Arg[] = [], args: readonly Arg[] = []) {
    return this.send(makeCommand(scriptArgs('EVAL_RO', script, keys, args), asIs as Decoder<T>));
  }

  evalshaRo<T = unknown>(sha1: string, keys: readonly Arg[] = [], args: readonly Arg[] = []) {
    return this.send(makeCommand(scriptArgs('EVALSHA_RO', sha1, keys, args), asIs as Decoder<T>));
  }

  /** Loads the script on every primary; resolves to its SHA1. */
  scriptLoad(script: string) {
    return this.send(makeCommand(['SCRIPT', 'LOAD', script], asString));
  }

  scriptExists(...sha1s: string[]) {
    return this.send(makeCommand(['SCRIPT', 'EXISTS', ...sha1s], arrayOf(asBoolean)));
  }

  scriptFlush() {
    return this.send(makeCommand(['SCRIPT', 'FLUSH'], asOk));
  }

  /** Number of subscribers that received the message (on the node that handled it). */
  publish(channel: Arg, message: Arg) {
    return this.send(makeCommand(['PUBLISH', channel, message], asInteger));
  }

  /** Publishes to a sharded channel (received by SSUBSCRIBE). */
  spublish(channel: Arg, message: Arg) {
    return this.send(makeCommand(['SPUBLISH', channel, message], asInteger));
  }
}

/** Every typed command; the REST client, the WebSocket client and pipelines extend this. */
export abstract class Commands<K extends ResultKind, Acc extends unknown[] = []> extends ScriptingCommands<
  K,
  Acc
> {}
