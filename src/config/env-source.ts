// Reads settings from environment variables: the `SLOTWAY_*` names, one per setting, and the DBX
// names from seed 000 so a DBX deployment's environment works unchanged. SLOTWAY_* wins over DBX_*
// when both set the same thing. The tables here also produce the reference documentation.

import { closestName } from './did-you-mean.js';
import type { SettingPath } from './schema.js';
import { type ConfigLayer, LayerBuilder } from './sources.js';
import {
  BOOLEAN_RULE,
  parseBoolean,
  parseInteger,
  parseList,
  parseText,
  type TextKind,
} from './value-parsers.js';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface EnvironmentVariable {
  readonly name: `SLOTWAY_${string}`;
  readonly path: SettingPath;
  readonly kind: TextKind;
}

/** Names the config file to read; a `--config` flag wins over it. */
export const CONFIG_FILE_VARIABLE = 'SLOTWAY_CONFIG';

const variable = (name: `SLOTWAY_${string}`, path: SettingPath, kind: TextKind): EnvironmentVariable => ({
  name,
  path,
  kind,
});

// Lists of objects (auth.users, http.tokens) are file-only: a variable cannot hold them readably.
export const SLOTWAY_VARIABLES: readonly EnvironmentVariable[] = [
  variable('SLOTWAY_BACKEND_MODE', 'backend.mode', 'string'),
  variable('SLOTWAY_BACKEND_NODES', 'backend.nodes', 'list'),
  variable('SLOTWAY_BACKEND_URL', 'backend.url', 'string'),
  variable('SLOTWAY_BACKEND_USERNAME', 'backend.username', 'string'),
  variable('SLOTWAY_BACKEND_PASSWORD', 'backend.password', 'string'),
  variable('SLOTWAY_BACKEND_SERVER_KIND', 'backend.serverKind', 'string'),
  variable('SLOTWAY_BACKEND_TLS_ENABLED', 'backend.tls.enabled', 'boolean'),
  variable('SLOTWAY_BACKEND_TLS_CA_FILE', 'backend.tls.caFile', 'string'),
  variable('SLOTWAY_BACKEND_TLS_CERT_FILE', 'backend.tls.certFile', 'string'),
  variable('SLOTWAY_BACKEND_TLS_KEY_FILE', 'backend.tls.keyFile', 'string'),
  variable('SLOTWAY_BACKEND_TLS_REJECT_UNAUTHORIZED', 'backend.tls.rejectUnauthorized', 'boolean'),
  variable('SLOTWAY_BACKEND_TLS_SERVERNAME', 'backend.tls.servername', 'string'),
  variable('SLOTWAY_BACKEND_CONNECTIONS_PER_NODE', 'backend.connectionsPerNode', 'integer'),
  variable('SLOTWAY_BACKEND_CONNECT_TIMEOUT_MS', 'backend.connectTimeoutMs', 'integer'),
  variable('SLOTWAY_BACKEND_COMMAND_TIMEOUT_MS', 'backend.commandTimeoutMs', 'integer'),
  variable('SLOTWAY_BACKEND_READ_FROM', 'backend.readFrom', 'string'),
  variable('SLOTWAY_BACKEND_MAX_RETRIES', 'backend.maxRetries', 'integer'),
  variable('SLOTWAY_BACKEND_RETRY_DELAY_MS', 'backend.retryDelayMs', 'integer'),
  variable('SLOTWAY_BACKEND_RETRY_TIMEOUT_MS', 'backend.retryTimeoutMs', 'integer'),
  variable('SLOTWAY_BACKEND_HEALTH_CHECK_MS', 'backend.healthCheckMs', 'integer'),
  variable('SLOTWAY_BACKEND_TOPOLOGY_REFRESH_MS', 'backend.topologyRefreshMs', 'integer'),
  variable('SLOTWAY_LISTEN_HOST', 'listen.host', 'string'),
  variable('SLOTWAY_LISTEN_PORT', 'listen.port', 'integer'),
  variable('SLOTWAY_LISTEN_UNIX_SOCKET', 'listen.unixSocket', 'string'),
  variable('SLOTWAY_LISTEN_TLS_ENABLED', 'listen.tls.enabled', 'boolean'),
  variable('SLOTWAY_LISTEN_TLS_CERT_FILE', 'listen.tls.certFile', 'string'),
  variable('SLOTWAY_LISTEN_TLS_KEY_FILE', 'listen.tls.keyFile', 'string'),
  variable('SLOTWAY_LISTEN_TLS_CA_FILE', 'listen.tls.caFile', 'string'),
  variable('SLOTWAY_LISTEN_TLS_PORT', 'listen.tls.port', 'integer'),
  variable('SLOTWAY_LISTEN_MAX_CLIENTS', 'listen.maxClients', 'integer'),
  variable('SLOTWAY_LISTEN_MAX_REQUEST_BYTES', 'listen.maxRequestBytes', 'integer'),
  variable('SLOTWAY_LISTEN_CLIENT_OUTPUT_BUFFER_BYTES', 'listen.clientOutputBufferBytes', 'integer'),
  variable('SLOTWAY_LISTEN_IDLE_TIMEOUT_MS', 'listen.idleTimeoutMs', 'integer'),
  variable('SLOTWAY_AUTH_PASSWORD', 'auth.password', 'string'),
  variable('SLOTWAY_HTTP_ENABLED', 'http.enabled', 'boolean'),
  variable('SLOTWAY_HTTP_HOST', 'http.host', 'string'),
  variable('SLOTWAY_HTTP_PORT', 'http.port', 'integer'),
  variable('SLOTWAY_HTTP_CORS_ORIGINS', 'http.corsOrigins', 'list'),
  variable('SLOTWAY_ADMIN_HOST', 'admin.host', 'string'),
  variable('SLOTWAY_ADMIN_PORT', 'admin.port', 'integer'),
  variable('SLOTWAY_DURABILITY_WAIT_REPLICAS', 'durability.waitReplicas', 'integer'),
  variable('SLOTWAY_DURABILITY_TIMEOUT_MS', 'durability.timeoutMs', 'integer'),
  variable('SLOTWAY_DURABILITY_WAIT_AOF', 'durability.waitAof', 'boolean'),
  variable('SLOTWAY_LOG_LEVEL', 'log.level', 'string'),
  variable('SLOTWAY_LOG_FORMAT', 'log.format', 'string'),
  variable('SLOTWAY_WORKERS', 'workers', 'integer'),
];

export const DBX_DATABASE_TYPES = ['redis', 'redis-cluster', 'valkey'] as const;

/** The DBX variables and what each sets, for the reference documentation. */
export const DBX_VARIABLES: readonly { readonly name: string; readonly sets: string }[] = [
  {
    name: 'DBX_DATABASE_URL',
    sets: 'backend.url; also the only seed node for redis-cluster when DBX_CLUSTER_NODES is unset. Alone, it means standalone mode.',
  },
  {
    name: 'DBX_DATABASE_TYPE',
    sets: 'backend.mode: redis → standalone, redis-cluster → cluster, valkey → standalone with serverKind valkey (cluster when DBX_CLUSTER_NODES is set).',
  },
  {
    name: 'DBX_CLUSTER_NODES',
    sets: 'backend.nodes (comma-separated); implies cluster mode when DBX_DATABASE_TYPE is unset.',
  },
  {
    name: 'DBX_CLUSTER_READ_FROM_REPLICAS',
    sets: 'backend.readFrom: true → prefer-replica (DBX read replicas when there are any), false → primary.',
  },
  { name: 'DBX_CLUSTER_MAX_RETRIES', sets: 'backend.maxRetries.' },
  { name: 'DBX_CLUSTER_RETRY_DELAY_MS', sets: 'backend.retryDelayMs.' },
];

export function readEnvironment(env: Environment): ConfigLayer {
  const layer = new LayerBuilder();
  readDbxVariables(env, layer);
  for (const { name, path, kind } of SLOTWAY_VARIABLES) {
    const text = readVariable(env, name);
    if (text === undefined) continue;
    const parsed = parseText(kind, text);
    if (parsed.ok) layer.set(path, parsed.value, `env:${name}`);
    else layer.reject(path, text, parsed.message, `env:${name}`);
  }
  return layer.build();
}

function readDbxVariables(env: Environment, layer: LayerBuilder): void {
  const url = readVariable(env, 'DBX_DATABASE_URL');
  const type = readVariable(env, 'DBX_DATABASE_TYPE');
  const nodes = readVariable(env, 'DBX_CLUSTER_NODES');

  if (url !== undefined) layer.set('backend.url', url, 'env:DBX_DATABASE_URL');
  if (nodes !== undefined) layer.set('backend.nodes', parseList(nodes), 'env:DBX_CLUSTER_NODES');

  const typeSource = 'env:DBX_DATABASE_TYPE';
  switch (type?.trim().toLowerCase()) {
    case undefined:
      // DBX without a type: nodes mean a cluster, a URL alone the single server it always was.
      if (nodes !== undefined) layer.set('backend.mode', 'cluster', 'env:DBX_CLUSTER_NODES');
      else if (url !== undefined) layer.set('backend.mode', 'standalone', 'env:DBX_DATABASE_URL');
      break;
    case 'redis':
      layer.set('backend.mode', 'standalone', typeSource);
      break;
    case 'redis-cluster':
      layer.set('backend.mode', 'cluster', typeSource);
      if (nodes === undefined && url !== undefined) layer.set('backend.nodes', [url], 'env:DBX_DATABASE_URL');
      break;
    case 'valkey':
      layer.set('backend.mode', nodes === undefined ? 'standalone' : 'cluster', typeSource);
      layer.set('backend.serverKind', 'valkey', typeSource);
      break;
    default:
      layer.reject('backend.mode', type, `must be one of: ${DBX_DATABASE_TYPES.join(', ')}`, typeSource);
  }

  const readFromReplicas = readVariable(env, 'DBX_CLUSTER_READ_FROM_REPLICAS');
  if (readFromReplicas !== undefined) {
    const source = 'env:DBX_CLUSTER_READ_FROM_REPLICAS';
    const replicas = parseBoolean(readFromReplicas);
    if (replicas === undefined) layer.reject('backend.readFrom', readFromReplicas, BOOLEAN_RULE, source);
    else layer.set('backend.readFrom', replicas ? 'prefer-replica' : 'primary', source);
  }
  const maxRetries = readVariable(env, 'DBX_CLUSTER_MAX_RETRIES');
  if (maxRetries !== undefined) {
    layer.set('backend.maxRetries', parseInteger(maxRetries), 'env:DBX_CLUSTER_MAX_RETRIES');
  }
  const retryDelay = readVariable(env, 'DBX_CLUSTER_RETRY_DELAY_MS');
  if (retryDelay !== undefined) {
    layer.set('backend.retryDelayMs', parseInteger(retryDelay), 'env:DBX_CLUSTER_RETRY_DELAY_MS');
  }
}

/** An empty variable counts as unset: compose files and CI often define names with no value. */
export function readVariable(env: Environment, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * SLOTWAY_* variables that are not settings, each with the likely intended name; a typo in a
 * variable name would otherwise be silently ignored.
 */
export function unknownSlotwayVariables(env: Environment): { name: string; suggestion?: string }[] {
  const known = [CONFIG_FILE_VARIABLE, ...SLOTWAY_VARIABLES.map((entry) => entry.name)];
  return Object.keys(env)
    .filter((name) => name.startsWith('SLOTWAY_') && !known.includes(name))
    .map((name) => {
      const suggestion = closestName(name, known);
      return suggestion === undefined ? { name } : { name, suggestion };
    });
}
