import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  type ConfigIssue,
  ConfigValidationError,
  formatConfigErrors,
  type LoadConfigOptions,
  loadConfig,
} from './load.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slotway-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Enough to be valid: every test states only what it is about. */
const CLUSTER_ENV = { SLOTWAY_BACKEND_NODES: 'seed:7000' };

function issuesOf(options: LoadConfigOptions): readonly ConfigIssue[] {
  try {
    loadConfig(options);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.issues;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

function errorLines(options: LoadConfigOptions): string[] {
  return formatConfigErrors(issuesOf(options)).split('\n');
}

describe('loadConfig: each source alone', () => {
  it('defaults plus one seed node', () => {
    const { config, sources } = loadConfig({ env: CLUSTER_ENV });
    expect(config.listen.port).toBe(6380);
    expect(config.backend.nodes).toEqual(['seed:7000']);
    expect(sources).toEqual({ 'backend.nodes': 'env:SLOTWAY_BACKEND_NODES' });
  });

  it('a file', () => {
    const path = file('s.yaml', 'backend:\n  mode: standalone\n  url: valkey://h:1\nlog:\n  format: json\n');
    const loaded = loadConfig({ file: path, env: {} });
    expect(loaded.config.backend).toMatchObject({ mode: 'standalone', url: 'valkey://h:1' });
    expect(loaded.config.log.format).toBe('json');
    expect(loaded.file).toBe(path);
    expect(loaded.sources).toEqual({ 'backend.mode': 'file', 'backend.url': 'file', 'log.format': 'file' });
  });

  it('the file named by SLOTWAY_CONFIG, unless flags or options name another', () => {
    const fromEnv = file('env.json', '{"backend": {"nodes": ["e:1"]}}');
    const fromFlag = file('flag.json', '{"backend": {"nodes": ["f:1"]}}');
    const fromOption = file('option.json', '{"backend": {"nodes": ["o:1"]}}');
    const env = { SLOTWAY_CONFIG: fromEnv };
    expect(loadConfig({ env }).config.backend.nodes).toEqual(['e:1']);
    expect(loadConfig({ env, flags: { config: fromFlag } }).config.backend.nodes).toEqual(['f:1']);
    expect(loadConfig({ env, flags: { config: fromFlag }, file: fromOption }).config.backend.nodes).toEqual([
      'o:1',
    ]);
  });

  it('environment only, DBX style', () => {
    const { config } = loadConfig({
      env: { DBX_DATABASE_TYPE: 'valkey', DBX_DATABASE_URL: 'valkey://localhost:6379' },
    });
    expect(config.backend).toMatchObject({
      mode: 'standalone',
      url: 'valkey://localhost:6379',
      serverKind: 'valkey',
    });
  });

  it('flags only', () => {
    const { config, sources } = loadConfig({
      env: {},
      flags: { cluster: '[::1]:7000,[::1]:7001', port: '0' },
    });
    expect(config.backend).toMatchObject({ mode: 'cluster', nodes: ['[::1]:7000', '[::1]:7001'] });
    expect(config.listen.port).toBe(0);
    expect(sources['listen.port']).toBe('flag:--port');
  });

  it('reads process.env when no environment is given', () => {
    const saved = process.env.SLOTWAY_BACKEND_NODES;
    process.env.SLOTWAY_BACKEND_NODES = 'from-process:1';
    try {
      expect(loadConfig().config.backend.nodes).toEqual(['from-process:1']);
    } finally {
      if (saved === undefined) delete process.env.SLOTWAY_BACKEND_NODES;
      else process.env.SLOTWAY_BACKEND_NODES = saved;
    }
  });
});

describe('loadConfig: precedence flags > env > file > defaults', () => {
  const yaml = 'backend:\n  nodes: [f1:1, f2:1, f3:1]\n  tls: { caFile: ca.pem }\nlisten:\n  port: 1000\n';

  it('each layer overrides the ones below it', () => {
    const path = file('s.yaml', yaml);
    const env = { SLOTWAY_LISTEN_PORT: '2000' };
    expect(loadConfig({ file: path, env: {}, flags: {} }).config.listen.port).toBe(1000);
    expect(loadConfig({ file: path, env, flags: {} }).config.listen.port).toBe(2000);
    const top = loadConfig({ file: path, env, flags: { port: 3000 } });
    expect(top.config.listen.port).toBe(3000);
    expect(top.sources['listen.port']).toBe('flag:--port');
    expect(loadConfig({ env: CLUSTER_ENV }).config.listen.port).toBe(6380);
  });

  it('objects merge key by key; lists are replaced whole', () => {
    const { config, sources } = loadConfig({
      file: file('s.yaml', yaml),
      env: { SLOTWAY_BACKEND_NODES: 'e1:1', SLOTWAY_BACKEND_TLS_ENABLED: 'true' },
    });
    expect(config.backend.nodes).toEqual(['e1:1']);
    expect(config.backend.tls).toEqual({ enabled: true, caFile: 'ca.pem', rejectUnauthorized: true });
    expect(sources['backend.tls.caFile']).toBe('file');
    expect(sources['backend.tls.enabled']).toBe('env:SLOTWAY_BACKEND_TLS_ENABLED');
  });

  it('a flag overrides a DBX variable, which overrides the file', () => {
    const path = file('s.yaml', 'backend:\n  readFrom: replica\n  nodes: [a:1]\n');
    const env = { DBX_CLUSTER_READ_FROM_REPLICAS: 'true' };
    expect(loadConfig({ file: path, env }).config.backend.readFrom).toBe('prefer-replica');
    expect(loadConfig({ file: path, env, flags: { readFrom: 'primary' } }).config.backend.readFrom).toBe(
      'primary',
    );
  });

  it('--standalone switches a cluster file to one server', () => {
    const { config } = loadConfig({
      file: file('s.yaml', 'backend: { mode: cluster, nodes: [a:1] }\n'),
      env: {},
      flags: { standalone: 'rediss://h:6380' },
    });
    expect(config.backend).toMatchObject({ mode: 'standalone', url: 'rediss://h:6380', nodes: ['a:1'] });
  });
});

describe('loadConfig: bad values', () => {
  it('names the key, the value, the source and what is allowed', () => {
    expect(errorLines({ env: { ...CLUSTER_ENV, SLOTWAY_BACKEND_CONNECTIONS_PER_NODE: '0' } })).toEqual([
      'backend.connectionsPerNode = 0 (from env SLOTWAY_BACKEND_CONNECTIONS_PER_NODE): must be an integer from 1 to 64',
    ]);
  });

  it('reports every problem at once, from every source', () => {
    const path = file(
      's.yaml',
      'listen:\n  port: 70000\nbackend:\n  conectionsPerNode: 3\nlog:\n  level: loud\n',
    );
    const lines = errorLines({
      file: path,
      env: { ...CLUSTER_ENV, SLOTWAY_HTTP_ENABLED: 'maybe', SLOTWAY_HTTP_PORT: 'eighty' },
      flags: { workers: '65' },
    });
    expect(lines).toEqual([
      'http.enabled = "maybe" (from env SLOTWAY_HTTP_ENABLED): must be one of: true, false, 1, 0, yes, no',
      `backend.conectionsPerNode = 3 (from file ${path}): unknown key (did you mean "connectionsPerNode"?); allowed under backend: mode, nodes, url, username, password, serverKind, tls, connectionsPerNode, connectTimeoutMs, commandTimeoutMs, readFrom, maxRetries, retryDelayMs, retryTimeoutMs, healthCheckMs, topologyRefreshMs`,
      `listen.port = 70000 (from file ${path}): must be an integer from 0 to 65535`,
      'http.port = "eighty" (from env SLOTWAY_HTTP_PORT): must be an integer from 0 to 65535',
      `log.level = "loud" (from file ${path}): must be one of: trace, debug, info, warn, error, fatal, silent`,
      'workers = 65 (from flag --workers): must be an integer from 0 to 64',
    ]);
  });

  it('unknown keys at the top level and inside list items', () => {
    const path = file(
      's.yaml',
      'backend: { nodes: [a:1] }\nmetrics: { port: 1 }\nauth:\n  users:\n    - { name: a, password: b, role: admin }\n',
    );
    expect(errorLines({ file: path, env: {} })).toEqual([
      `auth.users[0].role = "admin" (from file ${path}): unknown key; allowed under auth.users[0]: name, password, readOnly`,
      `metrics = {"port":1} (from file ${path}): unknown key; allowed at the top level: backend, listen, auth, http, admin, durability, log, workers`,
    ]);
  });

  it('a missing required key in a list item', () => {
    const path = file('s.json', '{"backend": {"nodes": ["a:1"]}, "http": {"tokens": [{"scope": "full"}]}}');
    expect(errorLines({ file: path, env: {} })).toEqual([
      `http.tokens[0].token is missing (from file ${path}): must be a string of at least 16 characters`,
    ]);
  });

  it('a bad enum from a flag lists the allowed values', () => {
    expect(errorLines({ env: CLUSTER_ENV, flags: { readFrom: 'nearest' } })).toEqual([
      'backend.readFrom = "nearest" (from flag --read-from): must be one of: primary, replica, prefer-replica',
    ]);
  });

  it('a bad port from a flag', () => {
    expect(errorLines({ env: CLUSTER_ENV, flags: { port: '65536' } })).toEqual([
      'listen.port = 65536 (from flag --port): must be an integer from 0 to 65535',
    ]);
  });

  it('every node must parse as an endpoint', () => {
    expect(errorLines({ env: { SLOTWAY_BACKEND_NODES: 'a:1,mongodb://b:2,c:99999' } })).toEqual([
      'backend.nodes[1] = "mongodb://b:2" (from env SLOTWAY_BACKEND_NODES): unsupported scheme "mongodb://"; allowed schemes: redis://, rediss://, valkey://, valkeys://',
      'backend.nodes[2] = "c:99999" (from env SLOTWAY_BACKEND_NODES): port "99999" must be an integer from 1 to 65535',
    ]);
  });

  it('masks secrets in the values it reports', () => {
    expect(
      errorLines({
        env: { SLOTWAY_BACKEND_NODES: 'rediss://app:hunter2@h:1/x', SLOTWAY_BACKEND_PASSWORD: '' },
        flags: {},
      }),
    ).toEqual([
      'backend.nodes[0] = "rediss://app:***@h:1/x" (from env SLOTWAY_BACKEND_NODES): the path must be a database number, as in rediss://HOST:PORT/0',
    ]);
    const path = file('s.yaml', 'backend: { nodes: [a:1] }\nauth: { password: 12345 }\n');
    expect(errorLines({ file: path, env: {} })).toEqual([
      `auth.password = "***" (from file ${path}): must be a non-empty string`,
    ]);
  });

  it('a ConfigValidationError message lists the problems', () => {
    expect(() => loadConfig({ env: { ...CLUSTER_ENV, SLOTWAY_WORKERS: '99' } })).toThrow(
      'invalid configuration (1 error):\nworkers = 99 (from env SLOTWAY_WORKERS): must be an integer from 0 to 64',
    );
  });

  it('an unreadable file is a ConfigError', () => {
    expect(() => loadConfig({ file: join(dir, 'nope.yaml'), env: {} })).toThrow(ConfigError);
  });
});

describe('loadConfig: settings that must agree', () => {
  it('cluster mode needs a seed node', () => {
    expect(errorLines({ env: {} })).toEqual([
      'backend.nodes = [] (from default): must list at least one seed node when backend.mode is cluster (set backend.nodes, SLOTWAY_BACKEND_NODES, DBX_CLUSTER_NODES or --cluster)',
    ]);
  });

  it('standalone mode needs a URL, or takes nodes[0]', () => {
    expect(errorLines({ env: { SLOTWAY_BACKEND_MODE: 'standalone' } })).toEqual([
      'backend.url is missing (from default): must be set when backend.mode is standalone (or give backend.nodes[0]), e.g. --standalone redis://localhost:6379',
    ]);
    expect(
      loadConfig({ env: { SLOTWAY_BACKEND_MODE: 'standalone', SLOTWAY_BACKEND_NODES: 'h:1' } }).config.backend
        .mode,
    ).toBe('standalone');
  });

  it('a cluster node cannot ask for a database other than 0', () => {
    expect(errorLines({ flags: { cluster: 'redis://a:1/0,redis://b:1/3' }, env: {} })).toEqual([
      'backend.nodes[1] = "redis://b:1/3" (from flag --cluster): a cluster has only database 0',
    ]);
  });

  it('a TLS listener needs its certificate and key', () => {
    expect(
      errorLines({
        env: { ...CLUSTER_ENV, SLOTWAY_LISTEN_TLS_ENABLED: 'yes', SLOTWAY_LISTEN_TLS_KEY_FILE: 'k.pem' },
      }),
    ).toEqual(['listen.tls.certFile is missing (from default): must be set when listen.tls.enabled is true']);
  });

  it('a backend client certificate needs its key', () => {
    expect(errorLines({ env: { ...CLUSTER_ENV, SLOTWAY_BACKEND_TLS_CERT_FILE: 'c.pem' } })).toEqual([
      'backend.tls.keyFile is missing (from default): must be set together with backend.tls.certFile',
    ]);
  });

  it('user names and tokens are unique', () => {
    const token = 'abcdefghijklmnopqrstuvwxyz';
    const path = file(
      's.yaml',
      `backend: { nodes: [a:1] }\nauth:\n  users: [{ name: app, password: x }, { name: app, password: y }]\nhttp:\n  tokens: [{ token: ${token}, scope: full }, { token: ${token}, scope: read-only }]\n`,
    );
    expect(errorLines({ file: path, env: {} })).toEqual([
      `auth.users[1].name = "app" (from file ${path}): duplicate user name; auth.users[0].name has it already`,
      `http.tokens[1].token = "***" (from file ${path}): duplicate token; http.tokens[0].token has it already`,
    ]);
  });

  it('listeners on one interface need distinct ports', () => {
    expect(
      errorLines({ env: { ...CLUSTER_ENV, SLOTWAY_HTTP_HOST: '0.0.0.0' }, flags: { httpPort: 6380 } }),
    ).toEqual([
      'http.port = 6380 (from flag --http-port): port already used by listen.port; each listener needs its own',
    ]);
    // Different interfaces, a disabled HTTP API, or port 0 (any free port) do not clash.
    expect(() =>
      loadConfig({ env: { ...CLUSTER_ENV, SLOTWAY_HTTP_HOST: '10.0.0.1' }, flags: { httpPort: 6380 } }),
    ).not.toThrow();
    expect(() =>
      loadConfig({ env: { ...CLUSTER_ENV, SLOTWAY_HTTP_ENABLED: 'false' }, flags: { httpPort: 6380 } }),
    ).not.toThrow();
    expect(() =>
      loadConfig({ env: CLUSTER_ENV, flags: { port: 0, httpPort: 0, adminPort: 0 } }),
    ).not.toThrow();
  });
});
