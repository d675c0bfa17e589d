import { describe, expect, it } from 'vitest';
import { defaultConfig, slotwayConfigSchema } from './schema.js';

function messagesFor(input: unknown): string[] {
  const result = slotwayConfigSchema.safeParse(input);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('defaultConfig', () => {
  it('fills every section from the defaults', () => {
    expect(defaultConfig()).toEqual({
      backend: {
        mode: 'cluster',
        nodes: [],
        tls: { enabled: false, rejectUnauthorized: true },
        connectionsPerNode: 2,
        connectTimeoutMs: 2000,
        commandTimeoutMs: 5000,
        readFrom: 'primary',
        maxRetries: 10,
        retryDelayMs: 100,
        retryTimeoutMs: 5000,
        healthCheckMs: 1000,
        topologyRefreshMs: 5000,
      },
      listen: {
        host: '127.0.0.1',
        port: 6380,
        tls: { enabled: false },
        maxClients: 10000,
        maxRequestBytes: 512 * 1024 * 1024,
        clientOutputBufferBytes: 64 * 1024 * 1024,
        idleTimeoutMs: 0,
      },
      auth: { users: [] },
      http: { enabled: true, host: '127.0.0.1', port: 8080, tokens: [], corsOrigins: [] },
      admin: { host: '127.0.0.1', port: 9121 },
      durability: { waitReplicas: 0, timeoutMs: 1000, waitAof: false },
      log: { level: 'info', format: 'auto' },
      workers: 0,
    });
  });

  it('returns a fresh object each time', () => {
    const first = defaultConfig();
    first.backend.nodes.push('x:1');
    expect(defaultConfig().backend.nodes).toEqual([]);
  });

  it('fills defaults inside a partly given section and list items', () => {
    const config = slotwayConfigSchema.parse({
      backend: { tls: { enabled: true } },
      auth: { users: [{ name: 'app', password: 'pw' }] },
    });
    expect(config.backend.tls).toEqual({ enabled: true, rejectUnauthorized: true });
    expect(config.backend.connectionsPerNode).toBe(2);
    expect(config.auth.users).toEqual([{ name: 'app', password: 'pw', readOnly: false }]);
  });
});

describe('slotwayConfigSchema bounds and messages', () => {
  it.each([
    [{ backend: { connectionsPerNode: 0 } }, 'backend.connectionsPerNode: must be an integer from 1 to 64'],
    [{ backend: { connectionsPerNode: 65 } }, 'backend.connectionsPerNode: must be an integer from 1 to 64'],
    [{ backend: { connectionsPerNode: 1.5 } }, 'backend.connectionsPerNode: must be an integer from 1 to 64'],
    [{ backend: { maxRetries: 101 } }, 'backend.maxRetries: must be an integer from 0 to 100'],
    [{ listen: { port: 65536 } }, 'listen.port: must be an integer from 0 to 65535'],
    [{ listen: { port: '6380' } }, 'listen.port: must be an integer from 0 to 65535'],
    [
      { listen: { maxRequestBytes: 10 } },
      'listen.maxRequestBytes: must be an integer from 1024 to 4294967296',
    ],
    [{ workers: 65 }, 'workers: must be an integer from 0 to 64'],
    [
      { backend: { readFrom: 'nearest' } },
      'backend.readFrom: must be one of: primary, replica, prefer-replica',
    ],
    [{ backend: { mode: 'sentinel' } }, 'backend.mode: must be one of: cluster, standalone'],
    [
      { log: { level: 'verbose' } },
      'log.level: must be one of: trace, debug, info, warn, error, fatal, silent',
    ],
    [{ http: { enabled: 'yes' } }, 'http.enabled: must be true or false'],
    [{ listen: { host: '' } }, 'listen.host: must be a non-empty string'],
    [{ backend: { nodes: 'a:1' } }, 'backend.nodes: must be a list of endpoints'],
    [{ backend: 3 }, 'backend: must be a mapping of settings (key: value)'],
    [
      { backend: { nodes: ['ftp://x'] } },
      'backend.nodes.0: unsupported scheme "ftp://"; allowed schemes: redis://, rediss://, valkey://, valkeys://',
    ],
    [
      { http: { tokens: [{ token: 'short', scope: 'full' }] } },
      'http.tokens.0.token: must be a string of at least 16 characters (generate one with: openssl rand -hex 24)',
    ],
    [
      { http: { tokens: [{ token: 'a'.repeat(16), scope: 'admin' }] } },
      'http.tokens.0.scope: must be one of: full, read-only',
    ],
    [
      { http: { corsOrigins: ['app.example.com'] } },
      'http.corsOrigins.0: must be "*" or an origin such as https://app.example.com',
    ],
  ])('%j', (input, message) => {
    expect(messagesFor(input)).toEqual([message]);
  });

  it('accepts the edges of each range', () => {
    expect(
      messagesFor({
        backend: { connectionsPerNode: 64, maxRetries: 0, retryDelayMs: 0 },
        listen: { port: 0, idleTimeoutMs: 2 ** 31 - 1 },
        workers: 64,
        http: { corsOrigins: ['*', 'http://localhost:3000'] },
      }),
    ).toEqual([]);
  });
});
