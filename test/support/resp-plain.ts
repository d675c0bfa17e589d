// Turns RESP replies into plain JS values for assertions: strings, numbers, arrays, and objects
// for the flat `[field, value, ...]` records that CLUSTER SHARDS and friends return in RESP2.

import type { RespValue } from '../../src/protocol/resp-value.js';

export type Plain = string | number | bigint | boolean | null | Plain[] | { [field: string]: Plain };

/** Strings, numbers and nested arrays; maps become objects. */
export function plain(v: RespValue): Plain {
  switch (v.type) {
    case 'simple':
    case 'error':
      return v.value;
    case 'bulk':
    case 'verbatim':
    case 'blobError':
      return v.value.toString('utf8');
    case 'integer':
    case 'double':
    case 'bignum':
    case 'boolean':
      return v.value;
    case 'null':
      return null;
    case 'array':
    case 'set':
    case 'push':
      return v.value.map(plain);
    case 'map':
      return Object.fromEntries(v.value.map(([k, val]) => [String(plain(k)), plain(val)]));
    case 'attribute':
      return plain(v.value);
  }
}

/** A RESP2 flat record `[k1, v1, k2, v2, ...]` (or a RESP3 map) as an object. */
export function record(v: RespValue): Record<string, RespValue> {
  if (v.type === 'map') return Object.fromEntries(v.value.map(([k, val]) => [String(plain(k)), val]));
  if (v.type !== 'array') throw new Error(`expected a record, got ${v.type}`);
  const out: Record<string, RespValue> = {};
  for (let i = 0; i + 1 < v.value.length; i += 2) out[String(plain(v.value[i]!))] = v.value[i + 1]!;
  return out;
}

/** Elements of an array reply. */
export function items(v: RespValue | undefined): RespValue[] {
  if (v?.type === 'array' || v?.type === 'set') return v.value;
  throw new Error(`expected an array, got ${v?.type ?? 'nothing'}`);
}
