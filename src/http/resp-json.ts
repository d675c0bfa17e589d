// RESP replies as JSON, the Upstash way: strings become JSON strings (base64 when the client asked
// with `Upstash-Encoding: base64`, except a top-level OK status), integers numbers, nulls null,
// arrays arrays; RESP3 maps flatten to [k, v, ...] like RESP2. The text is written directly, so
// large integers keep their digits and no intermediate objects are built.

import { errorText, isErrorValue, type RespValue } from '../protocol/resp-value.js';

/**
 * JSON text of a reply. `base64` encodes every string; Upstash leaves a top-level `OK` status as it
 * is (`okAsText`), which the SDK relies on: it decodes every other top-level string.
 */
export function respToJson(value: RespValue, base64: boolean, okAsText = true): string {
  if (base64 && okAsText && value.type === 'simple' && value.value === 'OK') return '"OK"';
  return write(value, base64);
}

/** `{"result": ...}` or `{"error": "..."}` for one reply, as Upstash answers a single command. */
export function resultEnvelope(value: RespValue, base64: boolean): string {
  if (isErrorValue(value)) return `{"error":${JSON.stringify(errorText(value))}}`;
  return `{"result":${respToJson(value, base64)}}`;
}

function write(v: RespValue, base64: boolean): string {
  switch (v.type) {
    case 'bulk':
    case 'verbatim':
      return base64 ? `"${v.value.toString('base64')}"` : JSON.stringify(v.value.toString('utf8'));
    case 'simple':
      return base64 ? `"${Buffer.from(v.value, 'utf8').toString('base64')}"` : JSON.stringify(v.value);
    case 'integer':
      return String(v.value);
    case 'null':
      return 'null';
    case 'array':
    case 'set':
    case 'push':
      return writeList(v.value, base64);
    case 'map': {
      const flat: RespValue[] = [];
      for (const [k, val] of v.value) flat.push(k, val);
      return writeList(flat, base64);
    }
    case 'attribute':
      return write(v.value, base64);
    case 'double':
      // RESP2 sends doubles as bulk strings; keep that spelling.
      return write({ type: 'bulk', value: Buffer.from(v.raw, 'latin1') }, base64);
    case 'bignum':
      return write({ type: 'bulk', value: Buffer.from(v.value.toString(), 'latin1') }, base64);
    case 'boolean':
      return v.value ? '1' : '0';
    case 'error':
    case 'blobError':
      return `{"error":${JSON.stringify(errorText(v))}}`;
  }
}

function writeList(items: readonly RespValue[], base64: boolean): string {
  if (items.length === 0) return '[]';
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    out += write(items[i]!, base64);
  }
  return `${out}]`;
}

/** A JSON-ready value for typed routes; `bytes` turns string payloads into text (UTF-8 or base64). */
export type Plain = string | number | null | Plain[] | { error: string };

export function respToPlain(v: RespValue, bytes: (b: Buffer) => string): Plain {
  switch (v.type) {
    case 'bulk':
    case 'verbatim':
      return bytes(v.value);
    case 'simple':
      return v.value;
    case 'integer':
      return Number(v.value);
    case 'null':
      return null;
    case 'array':
    case 'set':
    case 'push':
      return v.value.map((item) => respToPlain(item, bytes));
    case 'map':
      return v.value.flatMap(([k, val]) => [respToPlain(k, bytes), respToPlain(val, bytes)]);
    case 'attribute':
      return respToPlain(v.value, bytes);
    case 'double':
      return v.raw;
    case 'bignum':
      return v.value.toString();
    case 'boolean':
      return v.value ? 1 : 0;
    case 'error':
    case 'blobError':
      return { error: errorText(v) };
  }
}
