// RESP2/RESP3 values as a discriminated union, so every consumer handles every wire type and the
// compiler catches a forgotten case. Byte payloads stay Buffers: keys and values are binary-safe.

export type RespValue =
  | { readonly type: 'simple'; readonly value: string }
  | { readonly type: 'error'; readonly value: string }
  | { readonly type: 'integer'; readonly value: number | bigint }
  | { readonly type: 'bulk'; readonly value: Buffer }
  | { readonly type: 'null'; readonly form: NullForm }
  | { readonly type: 'array'; readonly value: RespValue[] }
  | { readonly type: 'map'; readonly value: Array<[RespValue, RespValue]> }
  | { readonly type: 'set'; readonly value: RespValue[] }
  | { readonly type: 'push'; readonly value: RespValue[] }
  | {
      readonly type: 'attribute';
      readonly attributes: Array<[RespValue, RespValue]>;
      readonly value: RespValue;
    }
  | { readonly type: 'double'; readonly value: number; readonly raw: string }
  | { readonly type: 'bignum'; readonly value: bigint }
  | { readonly type: 'verbatim'; readonly format: string; readonly value: Buffer }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'blobError'; readonly value: Buffer };

/** Which wire spelling a null had: RESP2 `$-1` / `*-1`, or RESP3 `_`. */
export type NullForm = 'bulk' | 'array' | 'resp3';

export type RespType = RespValue['type'];

/** Protocol version spoken on a connection (HELLO 2 / HELLO 3). */
export type Protocol = 2 | 3;

export const resp = {
  simple: (value: string): RespValue => ({ type: 'simple', value }),
  error: (value: string): RespValue => ({ type: 'error', value }),
  integer: (value: number | bigint): RespValue => ({ type: 'integer', value }),
  bulk: (value: Buffer | string): RespValue => ({
    type: 'bulk',
    value: typeof value === 'string' ? Buffer.from(value) : value,
  }),
  nullBulk: (): RespValue => ({ type: 'null', form: 'bulk' }),
  nullArray: (): RespValue => ({ type: 'null', form: 'array' }),
  array: (value: RespValue[]): RespValue => ({ type: 'array', value }),
  map: (value: Array<[RespValue, RespValue]>): RespValue => ({ type: 'map', value }),
  set: (value: RespValue[]): RespValue => ({ type: 'set', value }),
  push: (value: RespValue[]): RespValue => ({ type: 'push', value }),
  double: (value: number): RespValue => ({ type: 'double', value, raw: formatDouble(value) }),
  boolean: (value: boolean): RespValue => ({ type: 'boolean', value }),
};

/** Redis's own spelling of doubles on the wire: `inf`, `-inf`, `nan`, shortest round-trip digits. */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  // String(-0) is "0"; Redis writes the sign, and the value must survive a round trip.
  if (Object.is(value, -0)) return '-0';
  return String(value);
}

/** True for both error spellings (simple `-` and RESP3 blob `!`). */
export function isErrorValue(v: RespValue): boolean {
  return v.type === 'error' || v.type === 'blobError';
}

/** Text of an error value, whichever spelling it came in. */
export function errorText(v: RespValue): string {
  if (v.type === 'error') return v.value;
  if (v.type === 'blobError') return v.value.toString('utf8');
  return '';
}
