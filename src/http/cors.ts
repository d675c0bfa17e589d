// Cross-origin access from browsers, per `http.corsOrigins`. Allowed origins get the CORS headers
// (including every header the Upstash SDK sends); a browser request from any other origin is
// refused outright, so a web page cannot drive a token-less API on loopback behind the user's back —
// nor through an <img> GET (Sec-Fetch-Site) or a rebound DNS name (Host).

import type { IncomingMessage } from 'node:http';
import { forbidden, type HttpError } from './http-errors.js';

export const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, DELETE, OPTIONS';

/** Request headers browsers may send: ours and the Upstash SDK's. */
export const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'Cache-Control',
  'Upstash-Encoding',
  'Upstash-Sync-Token',
  'Upstash-Response-Format',
  'Upstash-Telemetry-Runtime',
  'Upstash-Telemetry-Platform',
  'Upstash-Telemetry-Sdk',
  'Upstash-Telemetry-Retry',
].join(', ');

/** Response headers browser code may read. */
const EXPOSED_HEADERS = 'Upstash-Sync-Token, Retry-After';

export class CorsPolicy {
  private readonly any: boolean;
  private readonly origins: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.any = origins.includes('*');
    this.origins = new Set(origins.map((o) => o.toLowerCase()));
  }

  allows(origin: string): boolean {
    return this.any || this.origins.has(origin.toLowerCase());
  }

  /** Headers for a response to `req`; throws 403 for a browser request from an origin not allowed. */
  headersFor(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (origin === undefined) {
      // Browsers leave Origin off GETs such as <img src>, but say where the request comes from.
      const site = req.headers['sec-fetch-site'];
      if ((site === 'cross-site' || site === 'same-site') && !this.any) {
        throw forbidden('cross-site browser requests need an Origin allowed by http.corsOrigins');
      }
      return {};
    }
    if (!this.allows(origin)) throw this.refusal(origin);
    return {
      'access-control-allow-origin': this.any ? '*' : origin,
      'access-control-expose-headers': EXPOSED_HEADERS,
      vary: 'Origin',
    };
  }

  /** Headers answering an OPTIONS preflight from an allowed origin. */
  preflightHeaders(req: IncomingMessage): Record<string, string> {
    return {
      ...this.headersFor(req),
      'access-control-allow-methods': ALLOWED_METHODS,
      'access-control-allow-headers': ALLOWED_HEADERS,
      'access-control-max-age': '600',
    };
  }

  refusal(origin: string): HttpError {
    return forbidden(`origin ${origin} is not allowed; add it to http.corsOrigins`);
  }
}

function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.indexOf(':');
  return (colon < 0 ? host : host.slice(0, colon)).toLowerCase();
}

/**
 * A token-less API answers only requests addressed to a loopback name: a web page whose DNS name was
 * rebound to 127.0.0.1 would otherwise be "same origin" with it.
 */
export function checkLoopbackHost(req: IncomingMessage): void {
  const host = req.headers.host;
  if (host === undefined) return;
  const name = hostnameOf(host);
  if (name === 'localhost' || name === '::1' || name.startsWith('127.')) return;
  throw forbidden(`Host ${host} is not allowed: without http.tokens the API answers only loopback names`);
}
