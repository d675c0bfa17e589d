// Commands as HTTP callers send them, turned into argument Buffers: JSON arrays (`["SET","k","v"]`,
// pipelines of them) and Upstash path-style URLs (`/set/foo/bar?EX=100`, body as the last
// argument). Percent-escapes decode to raw bytes, so any binary key or value can be addressed.

import { badRequest } from './http-errors.js';

export type ArgEncoding = 'utf8' | 'base64';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes a strict base64 string; throws 400 naming `where` when it is not valid base64. */
export function base64Bytes(text: string, where: string): Buffer {
  if (!BASE64.test(text)) throw badRequest(`${where} is not valid base64`);
  return Buffer.from(text, 'base64');
}

/** One argument from JSON: strings (UTF-8, or base64 when asked), numbers and booleans as their text. */
function argOf(value: unknown, encoding: ArgEncoding, where: string): Buffer {
  if (typeof value === 'string')
    return encoding === 'base64' ? base64Bytes(value, where) : Buffer.from(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw badRequest(`${where} must be a finite number`);
    return Buffer.from(String(value));
  }
  if (typeof value === 'boolean') return Buffer.from(String(value));
  throw badRequest(
    `${where} must be a string, number or boolean, got ${value === null ? 'null' : typeof value}`,
  );
}

/** A command from a JSON array such as `["SET", "k", "v", "EX", 100]`. */
export function commandFromJson(value: unknown, encoding: ArgEncoding = 'utf8', where = 'command'): Buffer[] {
  if (!Array.isArray(value)) {
    throw badRequest(`${where} must be a JSON array like ["SET","key","value"]`);
  }
  if (value.length === 0) throw badRequest(`${where} is empty; give the command name first`);
  const args = new Array<Buffer>(value.length);
  for (let i = 0; i < value.length; i++) args[i] = argOf(value[i], encoding, `${where}[${i}]`);
  return args;
}

/** Commands from a JSON array of arrays (a pipeline or transaction body). */
export function commandsFromJson(
  value: unknown,
  encoding: ArgEncoding = 'utf8',
  what = 'pipeline',
): Buffer[][] {
  if (!Array.isArray(value)) {
    throw badRequest(`${what} body must be a JSON array of commands like [["SET","a","1"],["GET","a"]]`);
  }
  if (value.length === 0) throw badRequest(`${what} is empty`);
  return value.map((command, i) => commandFromJson(command, encoding, `${what}[${i}]`));
}

/** Parses JSON text, answering 400 (not 500) when it is not JSON. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** Percent-decodes to bytes (`%00`..`%FF`); `+` is a space only in query strings. */
export function percentDecode(text: string, plusIsSpace = false): Buffer {
  if (!text.includes('%') && !(plusIsSpace && text.includes('+'))) return Buffer.from(text);
  const raw = Buffer.from(text);
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte === 0x25) {
      const hi = hexValue(raw[i + 1] ?? -1);
      const lo = hexValue(raw[i + 2] ?? -1);
      if (hi < 0 || lo < 0) throw badRequest(`malformed percent-escape in "${text.slice(0, 100)}"`);
      out[n++] = hi * 16 + lo;
      i += 2;
    } else {
      out[n++] = plusIsSpace && byte === 0x2b ? 0x20 : byte;
    }
  }
  return out.subarray(0, n);
}

/** Query parameters in order, as raw bytes; names in `skip` (such as `_token`) are left out. */
export function queryArgs(rawQuery: string, skip: ReadonlySet<string>): Buffer[] {
  const out: Buffer[] = [];
  if (rawQuery === '') return out;
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = percentDecode(eq < 0 ? pair : pair.slice(0, eq), true);
    if (skip.has(name.toString('latin1'))) continue;
    out.push(name);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    if (value !== '') out.push(percentDecode(value, true));
  }
  return out;
}

const SKIPPED_QUERY = new Set(['_token']);

/**
 * An Upstash path-style command: `/cmd/arg1/arg2`, then the request body (when there is one) as the
 * next argument, then the query parameters (`?EX=100` adds EX 100).
 */
export function commandFromPath(pathname: string, rawQuery: string, body: Buffer | null): Buffer[] {
  const segments = pathname.split('/');
  const args: Buffer[] = [];
  // segments[0] is the empty string before the leading slash; a trailing slash adds no argument.
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment === '' && i === segments.length - 1) break;
    args.push(percentDecode(segment));
  }
  if (args.length === 0 || args[0]!.length === 0) {
    throw badRequest('no command in the path; use /COMMAND/arg1/arg2 or POST a JSON array to /');
  }
  if (body && body.length > 0) args.push(body);
  for (const arg of queryArgs(rawQuery, SKIPPED_QUERY)) args.push(arg);
  return args;
}
