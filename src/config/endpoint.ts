// Backend endpoints as users write them: `HOST:PORT`, `[IPv6]:PORT`, bare IPv6 split at the last
// colon (as CLUSTER NODES prints it), or a redis://, rediss://, valkey://, valkeys:// URL with
// credentials and a database. Every form becomes one typed `Endpoint`, or an error saying what to write.

import { isIPv6 } from 'node:net';
import { ConfigError } from './config-error.js';
import { maskUrlPassword } from './mask.js';

export const SERVER_KINDS = ['redis', 'valkey'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

export const ENDPOINT_SCHEMES = ['redis', 'rediss', 'valkey', 'valkeys'] as const;
export type EndpointScheme = (typeof ENDPOINT_SCHEMES)[number];

export const DEFAULT_REDIS_PORT = 6379;

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  readonly serverKind: ServerKind;
}

/** What a bare `HOST:PORT` (which says nothing about TLS or the server) should assume. */
export interface EndpointDefaults {
  readonly tls?: boolean;
  readonly serverKind?: ServerKind;
}

export class InvalidEndpointError extends ConfigError {
  override name = 'InvalidEndpointError';
  constructor(
    /** What the user wrote (its password masked). */
    readonly input: string,
    /** Why it was rejected and what to write instead. */
    readonly reason: string,
  ) {
    super(`invalid endpoint ${JSON.stringify(input)}: ${reason}`);
  }
}

const SCHEME_LIST = ENDPOINT_SCHEMES.map((scheme) => `${scheme}://`).join(', ');
const EXPECTED_FORMS = `expected HOST:PORT, [IPv6]:PORT or a URL (${SCHEME_LIST})`;
const URL_PREFIX = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const HOSTNAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const MAX_DB = 2 ** 31 - 1;

export function parseEndpoint(text: string, defaults: EndpointDefaults = {}): Endpoint {
  const input = text.trim();
  const fail = (reason: string): never => {
    throw new InvalidEndpointError(maskUrlPassword(text), reason);
  };
  if (input === '') return fail(`is empty; ${EXPECTED_FORMS}`);
  if (/\s/.test(input)) return fail(`contains whitespace; ${EXPECTED_FORMS}`);
  const scheme = URL_PREFIX.exec(input)?.[1]?.toLowerCase();
  if (scheme !== undefined) return parseEndpointUrl(input, scheme, defaults, fail);
  return parseHostPort(input, defaults, fail);
}

/** `host:port`, with brackets around IPv6 so the result parses back. */
export function formatEndpoint(endpoint: Pick<Endpoint, 'host' | 'port'>): string {
  return endpoint.host.includes(':')
    ? `[${endpoint.host}]:${endpoint.port}`
    : `${endpoint.host}:${endpoint.port}`;
}

function isEndpointScheme(scheme: string): scheme is EndpointScheme {
  return (ENDPOINT_SCHEMES as readonly string[]).includes(scheme);
}

function parseEndpointUrl(
  input: string,
  scheme: string,
  defaults: EndpointDefaults,
  fail: (reason: string) => never,
): Endpoint {
  if (!isEndpointScheme(scheme))
    return fail(`unsupported scheme "${scheme}://"; allowed schemes: ${SCHEME_LIST}`);
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    const port = /:(\d+)(?:[/?#]|$)/.exec(input.slice(scheme.length + 3))?.[1];
    if (port !== undefined && Number(port) > 65535) return fail('port must be an integer from 1 to 65535');
    return fail(
      `is not a valid URL (IPv6 hosts need brackets, as in ${scheme}://[::1]:${DEFAULT_REDIS_PORT})`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    return fail(
      'query parameters and fragments are not supported; set TLS and timeouts under backend instead',
    );
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') return fail(`has no host; write ${scheme}://HOST:PORT`);
  const port = url.port === '' ? DEFAULT_REDIS_PORT : Number(url.port);
  if (port < 1) return fail('port must be an integer from 1 to 65535');
  const secure = scheme === 'rediss' || scheme === 'valkeys';
  const username = url.username === '' ? undefined : decodeUrlPart(url.username, 'user name', fail);
  const password = url.password === '' ? undefined : decodeUrlPart(url.password, 'password', fail);
  const db = parseDatabase(url.pathname, scheme, fail);
  return {
    host,
    port,
    tls: secure || defaults.tls === true,
    serverKind: scheme.startsWith('valkey') ? 'valkey' : (defaults.serverKind ?? 'redis'),
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(db === undefined ? {} : { db }),
  };
}

function decodeUrlPart(part: string, what: string, fail: (reason: string) => never): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return fail(`the ${what} has a broken %-escape`);
  }
}

function parseDatabase(
  pathname: string,
  scheme: string,
  fail: (reason: string) => never,
): number | undefined {
  if (pathname === '' || pathname === '/') return undefined;
  const digits = /^\/(\d+)$/.exec(pathname)?.[1];
  const db = digits === undefined ? Number.NaN : Number(digits);
  if (!Number.isSafeInteger(db) || db > MAX_DB) {
    return fail(`the path must be a database number, as in ${scheme}://HOST:PORT/0`);
  }
  return db;
}

function parseHostPort(input: string, defaults: EndpointDefaults, fail: (reason: string) => never): Endpoint {
  if (input.includes('@') || input.includes('/')) {
    return fail('credentials and databases need a URL, as in redis://USER:PASSWORD@HOST:PORT/0');
  }
  let host: string;
  let portText: string | undefined;
  if (input.startsWith('[')) {
    const close = input.indexOf(']');
    if (close < 0) return fail('has "[" without a closing "]"; write IPv6 as [::1]:6379');
    host = input.slice(1, close);
    const rest = input.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':'))
      return fail(`unexpected "${rest}" after "]"; ${EXPECTED_FORMS}`);
    portText = rest === '' ? undefined : rest.slice(1);
    if (!isIPv6(host)) return fail(`"${host}" is not an IPv6 address`);
  } else {
    // Split at the LAST colon: `fe80::1:7000` is host fe80::1, port 7000, as CLUSTER NODES writes it.
    const colon = input.lastIndexOf(':');
    host = colon < 0 ? input : input.slice(0, colon);
    portText = colon < 0 ? undefined : input.slice(colon + 1);
    if (host === '') return fail(`has no host; ${EXPECTED_FORMS}`);
    if (host.includes(':') && !isIPv6(host) && isIPv6(input)) {
      return fail(`is an IPv6 address without a port; write [${input}]:${DEFAULT_REDIS_PORT}`);
    }
    if (host.includes(':') ? !isIPv6(host) : !HOSTNAME.test(host)) {
      return fail(`"${host}" is not a valid host name or address; write IPv6 as [::1]:6379`);
    }
  }
  return {
    host,
    port: portText === undefined ? DEFAULT_REDIS_PORT : parsePort(portText, fail),
    tls: defaults.tls === true,
    serverKind: defaults.serverKind ?? 'redis',
  };
}

function parsePort(text: string, fail: (reason: string) => never): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) return fail(`port "${text}" must be an integer from 1 to 65535`);
  return port;
}
