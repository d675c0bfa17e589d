// Encodes RESP values and commands to bytes. Replies are written in the client's protocol: RESP3
// types are downgraded to their RESP2 spelling (map → flat array, double → bulk, boolean → integer,
// ...) exactly as redis-server does for a RESP2 connection.

import { formatDouble, type Protocol, type RespValue } from './resp-value.js';

const CRLF = '\r\n';

/** `*N $len arg ...` for a command; arguments may be strings (UTF-8), Buffers or numbers. */
export function encodeCommand(args: ReadonlyArray<string | Buffer | number>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}${CRLF}`, 'latin1')];
  let size = parts[0]!.length;
  for (const arg of args) {
    const payload =
      typeof arg === 'string'
        ? Buffer.from(arg, 'utf8')
        : Buffer.isBuffer(arg)
          ? arg
          : Buffer.from(String(arg));
    const head = Buffer.from(`$${payload.length}${CRLF}`, 'latin1');
    parts.push(head, payload, CRLF_BUF);
    size += head.length + payload.length + 2;
  }
  return Buffer.concat(parts, size);
}

const CRLF_BUF = Buffer.from(CRLF, 'latin1');

export function encodeSimple(text: string): Buffer {
  return Buffer.from(`+${text}${CRLF}`, 'utf8');
}

/** An error line; `text` should start with its Redis prefix (ERR, WRONGTYPE, CROSSSLOT, ...). */
export function encodeError(text: string): Buffer {
  return Buffer.from(`-${text.replace(/[\r\n]+/g, ' ')}${CRLF}`, 'utf8');
}

export function encodeInteger(n: number | bigint): Buffer {
  return Buffer.from(`:${n}${CRLF}`, 'latin1');
}

export function encodeBulk(value: Buffer | string): Buffer {
  const payload = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([Buffer.from(`$${payload.length}${CRLF}`, 'latin1'), payload, CRLF_BUF]);
}

export const NULL_BULK_RESP2 = Buffer.from(`$-1${CRLF}`, 'latin1');
export const NULL_ARRAY_RESP2 = Buffer.from(`*-1${CRLF}`, 'latin1');
export const NULL_RESP3 = Buffer.from(`_${CRLF}`, 'latin1');
export const OK_REPLY = Buffer.from(`+OK${CRLF}`, 'latin1');

/** Encodes a value for a client speaking `protocol`. */
export function encodeValue(value: RespValue, protocol: Protocol = 3): Buffer {
  const parts: Buffer[] = [];
  writeValue(value, protocol, parts);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

function header(prefix: string, n: number | string): Buffer {
  return Buffer.from(`${prefix}${n}${CRLF}`, 'latin1');
}

function writeValue(v: RespValue, protocol: Protocol, out: Buffer[]): void {
  switch (v.type) {
    case 'simple':
      out.push(Buffer.from(`+${v.value}${CRLF}`, 'utf8'));
      return;
    case 'error':
      out.push(Buffer.from(`-${v.value}${CRLF}`, 'utf8'));
      return;
    case 'integer':
      out.push(header(':', v.value.toString()));
      return;
    case 'bulk':
      out.push(header('$', v.value.length), v.value, CRLF_BUF);
      return;
    case 'null':
      out.push(protocol === 3 ? NULL_RESP3 : v.form === 'array' ? NULL_ARRAY_RESP2 : NULL_BULK_RESP2);
      return;
    case 'array':
    case 'set':
    case 'push': {
      const prefix = protocol === 2 || v.type === 'array' ? '*' : v.type === 'set' ? '~' : '>';
      out.push(header(prefix, v.value.length));
      for (const item of v.value) writeValue(item, protocol, out);
      return;
    }
    case 'map':
      out.push(protocol === 3 ? header('%', v.value.length) : header('*', v.value.length * 2));
      for (const [key, item] of v.value) {
        writeValue(key, protocol, out);
        writeValue(item, protocol, out);
      }
      return;
    case 'attribute':
      if (protocol === 3) {
        out.push(header('|', v.attributes.length));
        for (const [key, item] of v.attributes) {
          writeValue(key, protocol, out);
          writeValue(item, protocol, out);
        }
      }
      writeValue(v.value, protocol, out);
      return;
    case 'double': {
      const raw = v.raw || formatDouble(v.value);
      if (protocol === 3) out.push(Buffer.from(`,${raw}${CRLF}`, 'latin1'));
      else writeValue({ type: 'bulk', value: Buffer.from(raw, 'latin1') }, protocol, out);
      return;
    }
    case 'bignum':
      if (protocol === 3) out.push(header('(', v.value.toString()));
      else writeValue({ type: 'bulk', value: Buffer.from(v.value.toString(), 'latin1') }, protocol, out);
      return;
    case 'verbatim':
      if (protocol === 3) {
        out.push(header('=', v.value.length + 4), Buffer.from(`${v.format}:`, 'latin1'), v.value, CRLF_BUF);
      } else {
        writeValue({ type: 'bulk', value: v.value }, protocol, out);
      }
      return;
    case 'boolean':
      out.push(
        protocol === 3
          ? Buffer.from(v.value ? `#t${CRLF}` : `#f${CRLF}`, 'latin1')
          : header(':', v.value ? 1 : 0),
      );
      return;
    case 'blobError':
      if (protocol === 3) out.push(header('!', v.value.length), v.value, CRLF_BUF);
      else out.push(Buffer.from(`-${v.value.toString('utf8').replace(/[\r\n]+/g, ' ')}${CRLF}`, 'utf8'));
      return;
  }
}
