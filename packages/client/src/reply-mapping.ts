// From the server's `{"result": …}` / `{"error": …}` entries to each command's settled outcome: the
// same mapping for a single command, a pipeline, a transaction and a WebSocket frame.

import type { Command } from './command.js';
import { decodeReply } from './encoding.js';
import { type Settled, SlotwayError, SlotwayReplyError } from './errors.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One command's outcome from its entry; decoding failures become errors, never throws. */
export function settleEntry<T>(command: Command<T>, entry: unknown, base64: boolean): Settled<T> {
  if (!isObject(entry)) {
    return { ok: false, error: new SlotwayError(`ERR malformed reply entry ${JSON.stringify(entry)}`) };
  }
  if (typeof entry.error === 'string') {
    return { ok: false, error: new SlotwayReplyError(entry.error) };
  }
  if (!('result' in entry)) {
    return { ok: false, error: new SlotwayError(`ERR reply entry without result ${JSON.stringify(entry)}`) };
  }
  try {
    const reply = decodeReply(entry.result, base64, command.replyBytes ? 'bytes' : 'text');
    return { ok: true, value: command.decode(reply) };
  } catch (err) {
    const error = err instanceof SlotwayError ? err : new SlotwayError(`ERR ${(err as Error).message}`);
    return { ok: false, error };
  }
}

/** Outcomes of a pipeline / transaction answer, in command order. */
export function settleEntries(
  commands: readonly Command<unknown>[],
  body: unknown,
  base64: boolean,
): Settled<unknown>[] {
  if (!Array.isArray(body) || body.length !== commands.length) {
    const error = new SlotwayError(
      `ERR expected ${commands.length} reply entries, got ${Array.isArray(body) ? body.length : JSON.stringify(body)}`,
    );
    return commands.map(() => ({ ok: false, error }));
  }
  return commands.map((command, i) => settleEntry(command, body[i], base64));
}
