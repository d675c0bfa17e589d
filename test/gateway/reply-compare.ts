// Turns RESP replies into plain values that keep every distinction a client can see (simple string vs
// bulk vs integer, which null, map vs array), so two servers' replies compare exactly with toEqual
// and a mismatch reads well in a diff. Also the few normalizations the conformance checks allow.

import type { RespValue } from '../../src/protocol/resp-value.js';

export type Canon = string | null | boolean | Canon[] | { readonly [tag: string]: Canon };

/**
 * `+OK`, `-ERR ...`, `:5`, `$bytes` (latin1, so any byte survives), `,1.5`, `(123`, `#t`,
 * `nil$` / `nil*` / `nil_`, arrays as arrays, and the RESP3 aggregates as `{ '%': ... }` etc.
 */
export function canonical(v: RespValue): Canon {
  switch (v.type) {
    case 'simple':
      return `+${v.value}`;
    case 'error':
      return `-${v.value}`;
    case 'blobError':
      return `-${v.value.toString('latin1')}`;
    case 'integer':
      return `:${v.value}`;
    case 'bulk':
      return `$${v.value.toString('latin1')}`;
    case 'verbatim':
      return `=${v.format}:${v.value.toString('latin1')}`;
    case 'double':
      return `,${v.raw}`;
    case 'bignum':
      return `(${v.value}`;
    case 'boolean':
      return v.value;
    case 'null':
      return `nil${v.form === 'bulk' ? '$' : v.form === 'array' ? '*' : '_'}`;
    case 'array':
      return v.value.map(canonical);
    case 'set':
      return { '~': v.value.map(canonical) };
    case 'push':
      return { '>': v.value.map(canonical) };
    case 'map':
      return { '%': v.value.map(([k, val]) => [canonical(k), canonical(val)]) };
    case 'attribute':
      return { '|': canonical(v.value) };
  }
}

const byText = (a: Canon, b: Canon): number => {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Elements of an array, set or map (as pairs) in canonical form; null for anything else. */
function elements(c: Canon): { items: Canon[]; wrap: (items: Canon[]) => Canon } | null {
  if (Array.isArray(c)) return { items: c, wrap: (items) => items };
  if (c !== null && typeof c === 'object') {
    const [tag, inner] = Object.entries(c)[0] ?? [];
    if (tag && Array.isArray(inner)) return { items: inner, wrap: (items) => ({ [tag]: items }) };
  }
  return null;
}

/** The elements of an array reply in a fixed order (for replies whose order Redis leaves open). */
export function sortedCanon(c: Canon): Canon {
  const e = elements(c);
  return e ? e.wrap([...e.items].sort(byText)) : c;
}

/**
 * A field/value reply in a fixed order: flat `[f1, v1, f2, v2]` (RESP2), nested `[[f1, v1], ...]`
 * (RESP3 WITHVALUES / WITHSCORES) or a map.
 */
export function sortedPairs(c: Canon): Canon {
  const e = elements(c);
  if (!e) return c;
  if (e.items.every(Array.isArray)) return e.wrap([...e.items].sort(byText));
  const pairs: Canon[][] = [];
  for (let i = 0; i + 1 < e.items.length; i += 2) pairs.push([e.items[i]!, e.items[i + 1]!]);
  return e.wrap(pairs.sort(byText).flat());
}

/** An integer within [min, max] becomes the range itself, so two nearby readings compare equal. */
export function inRange(c: Canon, min: number, max: number): Canon {
  if (typeof c !== 'string' || !c.startsWith(':')) return c;
  const n = Number(c.slice(1));
  return n >= min && n <= max ? `:[${min}..${max}]` : c;
}

/** Only how many elements an aggregate reply has. */
export function lengthOf(c: Canon): Canon {
  const e = elements(c);
  return e ? `#${e.items.length}` : c;
}

/** Buffers and strings in a RespValue-free form for messages. */
export function describeArgs(args: readonly (string | Buffer)[]): string {
  return args
    .map((a) => {
      const text = typeof a === 'string' ? a : a.toString('latin1');
      return text.length > 60 ? `${text.slice(0, 57)}...` : text;
    })
    .join(' ');
}
