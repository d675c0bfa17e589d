// Who is calling: the API tokens from `http.tokens`, looked up by their SHA-256 so presenting a
// token costs the same whatever it is, each with its scope, key prefix and rate limit. With no
// token configured the API is open (and the server binds to loopback only).

import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SlotwayConfig } from '../config/schema.js';
import { HttpError } from './http-errors.js';
import { RateLimiter } from './rate-limiter.js';

export type TokenConfig = SlotwayConfig['http']['tokens'][number];

/** The caller of one request, after authentication. */
export interface Principal {
  readonly readOnly: boolean;
  /** Every key (and channel) must start with these bytes; null when unrestricted. */
  readonly keyPrefix: Buffer | null;
  readonly limiter: RateLimiter | null;
  /** For logs: which token, never the token itself. */
  readonly label: string;
}

const OPEN: Principal = { readOnly: false, keyPrefix: null, limiter: null, label: 'open' };

/** The caller of public routes (health): may run nothing. */
export const ANONYMOUS: Principal = {
  readOnly: true,
  keyPrefix: Buffer.from('\0anonymous\0'),
  limiter: null,
  label: 'anonymous',
};

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class ApiTokens {
  private readonly byDigest = new Map<string, Principal>();

  constructor(tokens: readonly TokenConfig[]) {
    tokens.forEach((t, index) => {
      this.byDigest.set(digest(t.token), {
        readOnly: t.scope === 'read-only',
        keyPrefix: t.keyPrefix !== undefined && t.keyPrefix !== '' ? Buffer.from(t.keyPrefix) : null,
        limiter: t.rateLimitPerSecond !== undefined ? new RateLimiter(t.rateLimitPerSecond) : null,
        label: `tokens[${index}]`,
      });
    });
  }

  /** True when no token is configured: every request is allowed without one. */
  get open(): boolean {
    return this.byDigest.size === 0;
  }

  /** The principal for a presented token; throws 401 when it is missing or unknown. */
  authenticate(presented: string | null): Principal {
    if (this.open) return OPEN;
    if (presented === null || presented === '') {
      throw new HttpError(
        401,
        'UNAUTHORIZED',
        'NOAUTH Authentication required: send "Authorization: Bearer <token>" or ?_token=<token>',
        { 'www-authenticate': 'Bearer' },
      );
    }
    const principal = this.byDigest.get(digest(presented));
    if (!principal) {
      throw new HttpError(401, 'UNAUTHORIZED', 'WRONGPASS invalid or unknown API token', {
        'www-authenticate': 'Bearer error="invalid_token"',
      });
    }
    return principal;
  }
}

/** Throws 429 when the principal is over its rate limit. */
export function checkRateLimit(principal: Principal, now = Date.now()): void {
  const limiter = principal.limiter;
  if (!limiter) return;
  const waitMs = limiter.take(now);
  if (waitMs === 0) return;
  throw new HttpError(
    429,
    'RATE_LIMITED',
    `RATELIMITED too many requests for this token (limit ${limiter.limit}/s); retry in ${waitMs} ms`,
    { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) },
  );
}

/**
 * The token a request presents: `Authorization: Bearer`, else `?_token=`. A WebSocket upgrade may also
 * use `?token=`; elsewhere `token` is an ordinary query parameter (on a path-style command, an argument).
 */
export function presentedToken(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
  websocket = false,
): string | null {
  const auth = headers.authorization;
  if (auth) {
    const match = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (match) return match[1]!.trim();
  }
  return query.get('_token') ?? (websocket ? query.get('token') : null);
}
