// Errors the HTTP layer answers with: a status, a stable code and a Redis-style message. Every error
// response is JSON `{"error": message, "code": code}`; Redis error replies keep their text unchanged
// (clients look for prefixes such as NOSCRIPT) and their first word as the code.

import type { ServerResponse } from 'node:http';

export type HttpErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'NOPERM'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'UPGRADE_REQUIRED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode | string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HttpError(400, 'BAD_REQUEST', `ERR ${message}`);
export const notFound = (message: string) => new HttpError(404, 'NOT_FOUND', `ERR ${message}`);
export const forbidden = (message: string) => new HttpError(403, 'NOPERM', `NOPERM ${message}`);

/** The Redis prefix of an error reply (`WRONGTYPE`, `ERR`, ...), used as its code. */
export function redisErrorCode(text: string): string {
  const space = text.indexOf(' ');
  const word = space < 0 ? text : text.slice(0, space);
  return /^[A-Z][A-Z_-]*$/.test(word) ? word : 'ERR';
}

const UNAVAILABLE_PREFIXES = new Set([
  'CLUSTERDOWN',
  'TRYAGAIN',
  'LOADING',
  'MASTERDOWN',
  'BUSY',
  'NOREPLICAS',
]);

/** HTTP status for a Redis error reply on the typed routes. */
export function statusOfRedisError(text: string): number {
  const code = redisErrorCode(text);
  if (code === 'WRONGTYPE') return 409;
  if (code === 'NOPERM') return 403;
  if (code === 'OOM') return 507;
  if (UNAVAILABLE_PREFIXES.has(code)) return 503;
  return 400;
}

/** A Redis error reply as an HttpError; Upstash routes use 400 for every one, as documented. */
export function redisError(text: string, status = 400): HttpError {
  return new HttpError(status, redisErrorCode(text), text);
}

/** Turns anything thrown while serving a request into an HttpError (never an empty 500). */
export function asHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  // A refused SUBSCRIBE carries the gateway's error reply.
  if (err instanceof Error && err.name === 'SubscriptionError') return redisError(err.message);
  if (err instanceof Error && err.name === 'LinkError') {
    return new HttpError(503, 'UNAVAILABLE', `TRYAGAIN ${err.message}; retry shortly`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new HttpError(500, 'INTERNAL', `ERR internal error: ${message}`);
}

export function errorBody(err: HttpError): string {
  return `{"error":${JSON.stringify(err.message)},"code":${JSON.stringify(err.code)}}`;
}

/** Writes the JSON error response, unless the response has already started. */
export function sendError(res: ServerResponse, err: HttpError, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(err);
  res.writeHead(err.status, {
    ...headers,
    ...err.headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
