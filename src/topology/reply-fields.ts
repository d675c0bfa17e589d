// Lenient readers for control-plane replies: CLUSTER SHARDS / SLOTS and COMMAND arrive as RESP2 flat
// arrays or RESP3 maps, with integers sometimes sent as strings. These helpers hide the difference.

import type { RespValue } from '../protocol/resp-value.js';

/** A map reply (RESP3 map or RESP2 flat key/value array) as a JS Map with lower-cased string keys. */
export function fieldsOf(v: RespValue | undefined): Map<string, RespValue> {
  const fields = new Map<string, RespValue>();
  if (!v) return fields;
  if (v.type === 'map') {
    for (const [k, val] of v.value) fields.set(textOf(k).toLowerCase(), val);
  } else if (v.type === 'array') {
    for (let i = 0; i + 1 < v.value.length; i += 2)
      fields.set(textOf(v.value[i]).toLowerCase(), v.value[i + 1]!);
  }
  return fields;
}

export function textOf(v: RespValue | undefined): string {
  if (!v) return '';
  switch (v.type) {
    case 'bulk':
    case 'verbatim':
    case 'blobError':
      return v.value.toString('utf8');
    case 'simple':
    case 'error':
      return v.value;
    case 'integer':
    case 'bignum':
    case 'double':
      return String(v.value);
    case 'boolean':
      return v.value ? '1' : '0';
    default:
      return '';
  }
}

/** An integer from an integer or numeric string reply; NaN when it is neither. */
export function intOf(v: RespValue | undefined): number {
  if (!v) return Number.NaN;
  if (v.type === 'integer') return Number(v.value);
  const n = Number.parseInt(textOf(v), 10);
  return Number.isFinite(n) ? n : Number.NaN;
}

/** Elements of an array, set or push reply; [] for anything else. */
export function itemsOf(v: RespValue | undefined): RespValue[] {
  if (!v) return [];
  if (v.type === 'array' || v.type === 'set' || v.type === 'push') return v.value;
  return [];
}
