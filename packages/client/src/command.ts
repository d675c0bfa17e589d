// One command as the SDK carries it: its arguments as wire strings, how its reply becomes a typed
// value, and whether it may be re-sent after a lost answer. Typed methods, raw `command()`, pipelines
// and the WebSocket client all build these.

import { strictUtf8, textToBytes } from './encoding.js';
import { isIdempotent } from './idempotency.js';

/**
 * A command argument. Numbers travel in decimal; bytes that are valid UTF-8 travel as JSON strings,
 * other bytes make the command travel on its own, binary-safe (see `binary`).
 */
export type Arg = string | number | Uint8Array;

/** Turns a decoded reply into the value a typed method promises. */
export type Decoder<T> = (reply: unknown) => T;

export interface Command<T> {
  /** The arguments as JSON strings (a non-UTF-8 argument shows as '' here; see `binary`). */
  readonly args: readonly string[];
  /**
   * Every argument as bytes, present only when some argument is not valid UTF-8 and so cannot be a
   * JSON string. Such a command cannot join a JSON pipeline or transaction.
   */
  readonly binary?: readonly Uint8Array[];
  readonly decode: Decoder<T>;
  /** Strings in the reply come back as Uint8Array instead of text. */
  readonly replyBytes: boolean;
  /** May be sent again when the answer was lost (reads, idempotent writes, or caller's opt-in). */
  readonly idempotent: boolean;
}

export interface CommandOptions {
  /** Declares the command safe to re-send after a lost answer (overrides the built-in list). */
  idempotent?: boolean;
  /** Return strings in the reply as Uint8Array. */
  bytes?: boolean;
}

export function makeCommand<T>(
  args: readonly Arg[],
  decode: Decoder<T>,
  options: CommandOptions = {},
): Command<T> {
  const wire = new Array<string>(args.length);
  let binary = false;
  for (let i = 0; i < args.length; i++) {
    const text = toWireArg(args[i]!);
    binary ||= text === undefined;
    wire[i] = text ?? '';
  }
  return {
    args: wire,
    ...(binary ? { binary: args.map(toBytes) } : {}),
    decode,
    replyBytes: options.bytes ?? false,
    idempotent: options.idempotent ?? isIdempotent(wire),
  };
}

/** The JSON string an argument travels as; undefined for bytes that are not valid UTF-8. */
export function toWireArg(arg: Arg): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'number') {
    if (Number.isNaN(arg)) throw new TypeError('ERR a command argument is NaN');
    if (arg === Number.POSITIVE_INFINITY) return '+inf';
    if (arg === Number.NEGATIVE_INFINITY) return '-inf';
    return String(arg);
  }
  if (arg instanceof Uint8Array) return strictUtf8(arg);
  throw new TypeError(`ERR unsupported argument type ${typeof arg}`);
}

function toBytes(arg: Arg): Uint8Array {
  return arg instanceof Uint8Array ? arg : textToBytes(toWireArg(arg)!);
}
