// The WebSocket protocol's client frames: `{id, cmd}`, `{id, pipeline}`, `{id, multi}`,
// `{id, subscribe|psubscribe|ssubscribe|unsubscribe|punsubscribe|sunsubscribe}`, each with an
// optional `encoding`. A frame that does not parse is answered with its id when it has one.

import { type ArgEncoding, base64Bytes, commandFromJson, commandsFromJson } from './command-input.js';
import { badRequest, HttpError } from './http-errors.js';
import type { SubscriptionKind } from './subscriber-stream.js';

export type FrameId = string | number | null;

export type WsRequest =
  | { readonly kind: 'cmd'; readonly id: FrameId; readonly encoding: ArgEncoding; readonly args: Buffer[] }
  | {
      readonly kind: 'pipeline' | 'multi';
      readonly id: FrameId;
      readonly encoding: ArgEncoding;
      readonly commands: Buffer[][];
    }
  | {
      readonly kind: 'subscription';
      readonly id: FrameId;
      readonly encoding: ArgEncoding;
      readonly sub: SubscriptionKind;
      readonly op: 'sub' | 'unsub';
      /** The frame's key, e.g. `psubscribe`, for messages. */
      readonly verb: string;
      readonly names: Buffer[];
    };

/** A frame that cannot be served, with the id to answer it under (null when it had none). */
export class FrameError extends Error {
  override readonly name = 'FrameError';
  constructor(
    readonly id: FrameId,
    message: string,
  ) {
    super(message);
  }
}

const SUBSCRIPTIONS: Record<string, [SubscriptionKind, 'sub' | 'unsub']> = {
  subscribe: ['channel', 'sub'],
  psubscribe: ['pattern', 'sub'],
  ssubscribe: ['shard', 'sub'],
  unsubscribe: ['channel', 'unsub'],
  punsubscribe: ['pattern', 'unsub'],
  sunsubscribe: ['shard', 'unsub'],
};

const OPERATIONS = ['cmd', 'pipeline', 'multi', ...Object.keys(SUBSCRIPTIONS)];
const KNOWN_FIELDS = new Set(['id', 'encoding', ...OPERATIONS]);

function idOf(frame: Record<string, unknown>): FrameId {
  const id = frame.id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

export function parseFrame(text: string): WsRequest {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch (err) {
    throw new FrameError(null, `ERR frame is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    throw new FrameError(null, 'ERR frame must be a JSON object like {"id":1,"cmd":["GET","k"]}');
  }
  const fields = frame as Record<string, unknown>;
  const id = idOf(fields);
  if (fields.id !== undefined && id === null) {
    throw new FrameError(null, 'ERR id must be a string or a number');
  }
  const unknown = Object.keys(fields).filter((k) => !KNOWN_FIELDS.has(k));
  if (unknown.length > 0) {
    throw new FrameError(
      id,
      `ERR unknown field ${unknown.map((k) => `"${k}"`).join(', ')}; expected one of ${OPERATIONS.join(', ')}`,
    );
  }
  const ops = OPERATIONS.filter((op) => fields[op] !== undefined);
  if (ops.length !== 1) {
    throw new FrameError(
      id,
      ops.length === 0
        ? `ERR frame has no operation; give one of ${OPERATIONS.join(', ')}`
        : `ERR frame has several operations (${ops.join(', ')}); send one per frame`,
    );
  }
  const encoding = fields.encoding ?? 'utf8';
  if (encoding !== 'utf8' && encoding !== 'base64') {
    throw new FrameError(id, 'ERR encoding must be "utf8" or "base64"');
  }
  const op = ops[0]!;
  const value = fields[op];
  try {
    if (op === 'cmd') return { kind: 'cmd', id, encoding, args: commandFromJson(value, encoding, 'cmd') };
    if (op === 'pipeline' || op === 'multi') {
      return { kind: op, id, encoding, commands: commandsFromJson(value, encoding, op) };
    }
    const [sub, subOp] = SUBSCRIPTIONS[op]!;
    return {
      kind: 'subscription',
      id,
      encoding,
      sub,
      op: subOp,
      verb: op,
      names: namesOf(value, op, subOp, encoding),
    };
  } catch (err) {
    if (err instanceof HttpError) throw new FrameError(id, err.message);
    throw err;
  }
}

function namesOf(value: unknown, op: string, subOp: 'sub' | 'unsub', encoding: ArgEncoding): Buffer[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.some((n) => typeof n !== 'string')) {
    throw badRequest(`${op} takes an array of names like ["news"]`);
  }
  if (list.length === 0 && subOp === 'sub') throw badRequest(`${op} needs at least one name`);
  return (list as string[]).map((n, i) =>
    encoding === 'base64' ? base64Bytes(n, `${op}[${i}]`) : Buffer.from(n),
  );
}
