// What a route handler gets for one HTTP request: the parsed URL, the authenticated caller, the
// headers every response must carry (CORS) and the body, read on demand within the size limit.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from './api-tokens.js';
import { HttpError } from './http-errors.js';

export interface HttpContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly pathname: string;
  /** The query string without `?`, still percent-encoded. */
  readonly rawQuery: string;
  readonly query: URLSearchParams;
  /** Route parameters, still percent-encoded. */
  params: Readonly<Record<string, string>>;
  readonly principal: Principal;
  /** Headers for every response to this request (CORS). */
  readonly headers: Readonly<Record<string, string>>;
  /** Aborted when the client goes away before its response is complete. */
  readonly abandoned: AbortSignal;
  /** The request body; 413 beyond the limit. */
  body(): Promise<Buffer>;
}

export type Handler = (ctx: HttpContext) => Promise<void>;

/** Writes a JSON response; `json` is already JSON text. */
export function sendJson(
  ctx: HttpContext,
  status: number,
  json: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  const { res } = ctx;
  res.writeHead(status, {
    ...ctx.headers,
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
  });
  res.end(ctx.method === 'HEAD' ? undefined : json);
}

/** Reads a request body, refusing more than `limit` bytes with 413. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(tooLarge(limit));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop keeping bytes; the rest is drained while the 413 goes out.
        req.off('data', onData);
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'PAYLOAD_TOO_LARGE', `ERR request body larger than ${limit} bytes`);
}
