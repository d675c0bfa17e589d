// Decoders from a reply (already string-decoded) to the types the typed methods promise. A reply of
// an unexpected shape is a protocol error, reported with what was expected.

import type { Decoder } from '../command.js';
import { SlotwayError } from '../errors.js';

export interface ScoredMember {
  member: string;
  score: number;
}

function unexpected(expected: string, reply: unknown): SlotwayError {
  return new SlotwayError(`ERR unexpected reply: expected ${expected}, got ${JSON.stringify(reply)}`);
}

export const asIs: Decoder<unknown> = (reply) => reply;

export const asString: Decoder<string> = (reply) => {
  if (typeof reply !== 'string') throw unexpected('a string', reply);
  return reply;
};

export const asNullableString: Decoder<string | null> = (reply) => (reply === null ? null : asString(reply));

export const asNullableBytes: Decoder<Uint8Array | null> = (reply) => {
  if (reply === null || reply instanceof Uint8Array) return reply;
  throw unexpected('bytes', reply);
};

export const asOk: Decoder<'OK'> = (reply) => {
  if (reply !== 'OK') throw unexpected('OK', reply);
  return 'OK';
};

export const asNullableOk: Decoder<'OK' | null> = (reply) => (reply === null ? null : asOk(reply));

export const asInteger: Decoder<number> = (reply) => {
  if (typeof reply !== 'number') throw unexpected('an integer', reply);
  return reply;
};

export const asNullableInteger: Decoder<number | null> = (reply) =>
  reply === null ? null : asInteger(reply);

export const asBoolean: Decoder<boolean> = (reply) => asInteger(reply) === 1;

/** A Redis double: sent as a string (`"1.5"`, `"inf"`, `"-inf"`), sometimes as a number. */
export const asScore: Decoder<number> = (reply) => {
  if (typeof reply === 'number') return reply;
  if (typeof reply !== 'string') throw unexpected('a number', reply);
  const lower = reply.toLowerCase();
  if (lower === 'inf' || lower === '+inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  const n = Number(reply);
  if (Number.isNaN(n)) throw unexpected('a number', reply);
  return n;
};

export const asNullableScore: Decoder<number | null> = (reply) => (reply === null ? null : asScore(reply));

export function arrayOf<T>(item: Decoder<T>): Decoder<T[]> {
  return (reply) => {
    if (!Array.isArray(reply)) throw unexpected('an array', reply);
    return reply.map(item);
  };
}

export const asStrings = arrayOf(asString);
export const asNullableStrings = arrayOf(asNullableString);

/** `[field, value, field, value, …]` (RESP2 map) as a record. */
export const asRecord: Decoder<Record<string, string>> = (reply) => {
  if (!Array.isArray(reply) || reply.length % 2 !== 0) throw unexpected('field/value pairs', reply);
  const out: Record<string, string> = {};
  for (let i = 0; i < reply.length; i += 2) out[asString(reply[i])] = asString(reply[i + 1]);
  return out;
};

/** `[member, score, …]` (WITHSCORES) as objects. */
export const asScoredMembers: Decoder<ScoredMember[]> = (reply) => {
  if (!Array.isArray(reply)) throw unexpected('member/score pairs', reply);
  // RESP3 servers may nest pairs: [[member, score], …].
  if (reply.length > 0 && Array.isArray(reply[0])) {
    return reply.map((pair) => ({ member: asString(pair[0]), score: asScore(pair[1]) }));
  }
  if (reply.length % 2 !== 0) throw unexpected('member/score pairs', reply);
  const out: ScoredMember[] = [];
  for (let i = 0; i < reply.length; i += 2)
    out.push({ member: asString(reply[i]), score: asScore(reply[i + 1]) });
  return out;
};

/** SCAN-family reply: `[cursor, [items…]]`. */
export const asScanPage: Decoder<[cursor: string, items: string[]]> = (reply) => {
  if (!Array.isArray(reply) || reply.length !== 2) throw unexpected('[cursor, items]', reply);
  return [asString(reply[0]), asStrings(reply[1])];
};
