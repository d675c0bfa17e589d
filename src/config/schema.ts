// The one description of Slotway's configuration: every setting, its default, its bounds and what it
// is for. Sources (file, environment, flags) only produce input for this schema; the error messages
// and the reference in docs/configuration.md are derived from it.

import type { z } from 'zod';
import { SERVER_KINDS } from './endpoint.js';
import {
  corsOrigin,
  endpoint,
  flag,
  integer,
  list,
  oneOf,
  secretToken,
  section,
  text,
} from './schema-fields.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;
const MAX_PORT = 65535;
/** Longest delay a Node timer can hold. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const BACKEND_MODES = ['cluster', 'standalone'] as const;
export const READ_FROM_POLICIES = ['primary', 'replica', 'prefer-replica'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;
export const TOKEN_SCOPES = ['full', 'read-only'] as const;
export const MIN_TOKEN_LENGTH = 16;

const backendTls = section({
  enabled: flag()
    .default(false)
    .describe('Connect to the backend over TLS. rediss:// and valkeys:// nodes use TLS regardless.'),
  caFile: text()
    .optional()
    .describe('PEM file of the CA that signed the servers; the system CAs when unset.'),
  certFile: text().optional().describe('PEM client certificate, for servers that require mutual TLS.'),
  keyFile: text().optional().describe('PEM private key of certFile.'),
  rejectUnauthorized: flag().default(true).describe('Verify server certificates. Turn off only for tests.'),
  servername: text()
    .optional()
    .describe('TLS server name (SNI) to send, when it differs from the node host.'),
})
  .prefault({})
  .describe('TLS towards the Redis / Valkey servers.');

const backend = section({
  mode: oneOf(BACKEND_MODES)
    .default('cluster')
    .describe(
      'cluster: a Redis Cluster / Valkey cluster discovered from nodes. standalone: one server at url (or nodes[0]).',
    ),
  nodes: list(endpoint(), 'endpoints')
    .default([])
    .describe('Seed nodes; the rest of the cluster is discovered from any one that answers.'),
  url: endpoint().optional().describe('The server in standalone mode, e.g. redis://:secret@cache:6379/0.'),
  username: text().optional().describe('ACL user for every backend connection; a user in a URL wins.'),
  password: text().optional().describe('Password for every backend connection; a password in a URL wins.'),
  serverKind: oneOf(SERVER_KINDS)
    .optional()
    .describe('Server product; valkey:// URLs imply valkey. Only affects reporting and feature checks.'),
  tls: backendTls,
  connectionsPerNode: integer(1, 64)
    .default(2)
    .describe('Shared connections per node, multiplexed between all clients.'),
  connectTimeoutMs: integer(1, 600_000).default(2000).describe('Time allowed to open a backend connection.'),
  commandTimeoutMs: integer(1, 3_600_000)
    .default(5000)
    .describe(
      'A backend connection with commands waiting and no reply bytes for this long is treated as hung and closed (blocking commands use their own connection and wait as long as they ask).',
    ),
  readFrom: oneOf(READ_FROM_POLICIES)
    .default('primary')
    .describe(
      'Where read-only commands go: primary; replica (READONLY, may lag; CLUSTERDOWN when a shard has no replica up); prefer-replica (a replica, else the primary, also right after a replica fails).',
    ),
  maxRetries: integer(0, 100)
    .default(10)
    .describe(
      'Retries after TRYAGAIN, CLUSTERDOWN, LOADING or a lost connection before the client sees the error (writes that may have been applied are never retried).',
    ),
  retryDelayMs: integer(0, 60_000)
    .default(100)
    .describe('Delay before the first retry; later retries double it (at most 1 s), with jitter.'),
  retryTimeoutMs: integer(0, 600_000)
    .default(5000)
    .describe(
      'Total time one command may spend being retried, e.g. across a failover; then the client sees the error.',
    ),
  healthCheckMs: integer(0, 3_600_000)
    .default(1000)
    .describe(
      'Idle backend connections are PINGed this often, so a dead node is noticed without traffic; 0 is off.',
    ),
  topologyRefreshMs: integer(100, 3_600_000)
    .default(5000)
    .describe('Periodic slot-map refresh; MOVED replies and connection errors also trigger one.'),
})
  .prefault({})
  .describe('The Redis Cluster, Valkey cluster or single server behind the gateway.');

const listenTls = section({
  enabled: flag().default(false).describe('Accept TLS connections from clients.'),
  certFile: text().optional().describe('PEM server certificate (required when enabled).'),
  keyFile: text().optional().describe('PEM private key of certFile (required when enabled).'),
  caFile: text()
    .optional()
    .describe('PEM CA bundle; when set, clients must present a certificate it signed.'),
  port: integer(1, MAX_PORT)
    .optional()
    .describe('Separate TLS port; when unset, listen.port itself speaks TLS.'),
})
  .prefault({})
  .describe('TLS for client connections.');

const listen = section({
  host: text()
    .default('127.0.0.1')
    .describe('Address of the RESP listener; 0.0.0.0 or :: for every interface.'),
  port: integer(0, MAX_PORT).default(6380).describe('RESP port clients connect to; 0 picks a free port.'),
  unixSocket: text()
    .optional()
    .describe(
      'Also accept clients on this Unix socket path (a stale socket file nobody listens on is replaced).',
    ),
  tls: listenTls,
  maxClients: integer(1, 1_000_000).default(10_000).describe('Client connections beyond this are refused.'),
  maxRequestBytes: integer(KIB, 4 * GIB)
    .default(512 * MIB)
    .describe('Largest single command a client may send; a larger one is a protocol error.'),
  clientOutputBufferBytes: integer(64 * KIB, 4 * GIB)
    .default(64 * MIB)
    .describe('Replies queued for a slow client beyond this close its connection.'),
  idleTimeoutMs: integer(0, MAX_TIMER_MS)
    .default(0)
    .describe('Close client connections idle this long; 0 keeps them open.'),
})
  .prefault({})
  .describe('How clients reach the gateway over RESP.');

const gatewayUser = section({
  name: text().describe('User name given to AUTH.'),
  password: text().describe('Password given to AUTH.'),
  readOnly: flag().default(false).describe('Allow only read-only commands.'),
});

const auth = section({
  password: text()
    .optional()
    .describe(
      'Password clients must AUTH with (like requirepass); no authentication when unset and no users.',
    ),
  users: list(gatewayUser, 'users').default([]).describe('Named users for AUTH USERNAME PASSWORD.'),
})
  .prefault({})
  .describe('Authentication of clients at the gateway; backend credentials are separate.');

const httpToken = section({
  token: secretToken(MIN_TOKEN_LENGTH).describe('Bearer token clients send in the Authorization header.'),
  scope: oneOf(TOKEN_SCOPES).describe('full: every command; read-only: read commands only.'),
  keyPrefix: text().optional().describe('Restrict the token to keys starting with this prefix.'),
  rateLimitPerSecond: integer(1, 1_000_000)
    .optional()
    .describe('Requests per second allowed for this token.'),
});

const http = section({
  enabled: flag().default(true).describe('Serve the REST and WebSocket API.'),
  host: text().default('127.0.0.1').describe('Address of the HTTP listener.'),
  port: integer(0, MAX_PORT).default(8080).describe('HTTP port; 0 picks a free port.'),
  tokens: list(httpToken, 'tokens').default([]).describe('API tokens; with none, the API needs no token.'),
  corsOrigins: list(corsOrigin(), 'origins').default([]).describe('Browser origins allowed by CORS.'),
})
  .prefault({})
  .describe('The HTTP REST and WebSocket API.');

const admin = section({
  host: text().default('127.0.0.1').describe('Address of the admin listener (/metrics, /healthz).'),
  port: integer(0, MAX_PORT).default(9121).describe('Admin port; 0 picks a free port.'),
})
  .prefault({})
  .describe('Metrics and health endpoints.');

const durability = section({
  waitReplicas: integer(0, 100)
    .default(0)
    .describe('Replicas that must confirm each write (WAIT) before the client is answered; 0 is off.'),
  timeoutMs: integer(1, 600_000)
    .default(1000)
    .describe('How long WAIT / WAITAOF may take before the write fails.'),
  waitAof: flag().default(false).describe('Also require the write to be fsynced to the AOF (WAITAOF).'),
})
  .prefault({})
  .describe('Synchronous writes, for zero acknowledged-write loss.');

const log = section({
  level: oneOf(LOG_LEVELS).default('info').describe('Least severe level that is logged.'),
  format: oneOf(LOG_FORMATS)
    .default('auto')
    .describe('json, pretty, or auto (pretty on a terminal, json otherwise).'),
})
  .prefault({})
  .describe('Logging.');

export const slotwayConfigSchema = section({
  backend,
  listen,
  auth,
  http,
  admin,
  durability,
  log,
  workers: integer(0, 64)
    .default(0)
    .describe('Gateway processes sharing the listeners (`slotway start`); 0 is one per CPU core.'),
});

export type SlotwayConfig = z.output<typeof slotwayConfigSchema>;
/** What a config file may contain: every setting optional. */
export type SlotwayConfigInput = z.input<typeof slotwayConfigSchema>;

export function defaultConfig(): SlotwayConfig {
  return slotwayConfigSchema.parse({});
}

/** Dotted path of every scalar or list setting (`listen.port`, `backend.tls.enabled`). */
export type SettingPath = LeafPath<SlotwayConfig>;

type LeafPath<T, Prefix extends string = ''> = {
  [K in keyof T & string]: NonNullable<T[K]> extends readonly unknown[]
    ? `${Prefix}${K}`
    : NonNullable<T[K]> extends object
      ? LeafPath<NonNullable<T[K]>, `${Prefix}${K}.`>
      : `${Prefix}${K}`;
}[keyof T & string];
