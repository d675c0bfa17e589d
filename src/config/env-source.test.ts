import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readEnvironment, SLOTWAY_VARIABLES, unknownSlotwayVariables } from './env-source.js';
import { slotwayConfigSchema } from './schema.js';

type JsonSchema = z.core.JSONSchema.JSONSchema;

/** Settings a variable can hold: every leaf except lists of objects and what is inside them. */
function settingTypes(node: JsonSchema, path = ''): Map<string, string> {
  const types = new Map<string, string>();
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (typeof child === 'boolean') continue;
    const childPath = path === '' ? key : `${path}.${key}`;
    const items = child.items;
    if (child.type === 'object') for (const entry of settingTypes(child, childPath)) types.set(...entry);
    else if (
      !(
        child.type === 'array' &&
        typeof items === 'object' &&
        !Array.isArray(items) &&
        items.type === 'object'
      )
    ) {
      types.set(childPath, String(child.type));
    }
  }
  return types;
}

const KIND_OF_TYPE: Record<string, string> = {
  string: 'string',
  integer: 'integer',
  boolean: 'boolean',
  array: 'list',
};

describe('SLOTWAY_* table', () => {
  const types = settingTypes(z.toJSONSchema(slotwayConfigSchema, { io: 'input' }));

  it('has one variable for every setting a variable can hold', () => {
    expect(SLOTWAY_VARIABLES.map((variable) => variable.path).sort()).toEqual([...types.keys()].sort());
  });

  it.each(SLOTWAY_VARIABLES.map((variable) => [variable.name, variable] as const))(
    '%s is named after its path and parses the setting type',
    (name, variable) => {
      const expectedName = `SLOTWAY_${variable.path
        .replace(/([a-z])([A-Z])/g, '$1_$2')
        .replaceAll('.', '_')
        .toUpperCase()}`;
      expect(name).toBe(expectedName);
      expect(variable.kind).toBe(KIND_OF_TYPE[types.get(variable.path) ?? '']);
    },
  );
});

describe('readEnvironment: SLOTWAY_*', () => {
  it('maps names to paths, with lists, integers and booleans', () => {
    const layer = readEnvironment({
      SLOTWAY_BACKEND_NODES: 'a:1, b:2,',
      SLOTWAY_LISTEN_PORT: '6390',
      SLOTWAY_BACKEND_READ_FROM: 'replica',
      SLOTWAY_AUTH_PASSWORD: 'pw',
      SLOTWAY_DURABILITY_WAIT_REPLICAS: '1',
      SLOTWAY_LOG_LEVEL: 'debug',
      SLOTWAY_HTTP_PORT: '8081',
      SLOTWAY_HTTP_ENABLED: 'no',
      SLOTWAY_BACKEND_TLS_ENABLED: 'YES',
      SLOTWAY_DURABILITY_WAIT_AOF: '1',
      SLOTWAY_WORKERS: '4',
      UNRELATED: 'x',
    });
    expect(layer.issues).toEqual([]);
    expect(layer.values).toEqual({
      backend: { nodes: ['a:1', 'b:2'], readFrom: 'replica', tls: { enabled: true } },
      listen: { port: 6390 },
      auth: { password: 'pw' },
      durability: { waitReplicas: 1, waitAof: true },
      log: { level: 'debug' },
      http: { port: 8081, enabled: false },
      workers: 4,
    });
    expect(layer.origins.get('listen.port')).toBe('env:SLOTWAY_LISTEN_PORT');
    expect(layer.origins.get('backend.tls.enabled')).toBe('env:SLOTWAY_BACKEND_TLS_ENABLED');
  });

  it('treats empty variables as unset', () => {
    expect(readEnvironment({ SLOTWAY_LISTEN_PORT: '', SLOTWAY_LOG_LEVEL: '  ' }).values).toEqual({});
  });

  it('passes a non-number on as text for the schema to reject with the range', () => {
    expect(readEnvironment({ SLOTWAY_LISTEN_PORT: 'abc' }).values).toEqual({ listen: { port: 'abc' } });
  });

  it('reports a bad boolean naming the variable', () => {
    const layer = readEnvironment({ SLOTWAY_HTTP_ENABLED: 'maybe' });
    expect(layer.values).toEqual({});
    expect(layer.issues).toEqual([
      {
        path: 'http.enabled',
        value: 'maybe',
        message: 'must be one of: true, false, 1, 0, yes, no',
        source: 'env:SLOTWAY_HTTP_ENABLED',
      },
    ]);
  });
});

describe('readEnvironment: DBX names', () => {
  it('DBX_DATABASE_URL alone is the standalone server', () => {
    const layer = readEnvironment({ DBX_DATABASE_URL: 'redis://localhost:6379' });
    expect(layer.values).toEqual({ backend: { url: 'redis://localhost:6379', mode: 'standalone' } });
    expect(layer.origins.get('backend.mode')).toBe('env:DBX_DATABASE_URL');
  });

  it('redis-cluster with nodes, replicas, retries and delay', () => {
    const layer = readEnvironment({
      DBX_DATABASE_TYPE: 'redis-cluster',
      DBX_CLUSTER_NODES: 'node1:6379,node2:6379,node3:6379',
      DBX_CLUSTER_READ_FROM_REPLICAS: 'true',
      DBX_CLUSTER_MAX_RETRIES: '5',
      DBX_CLUSTER_RETRY_DELAY_MS: '250',
    });
    expect(layer.issues).toEqual([]);
    expect(layer.values).toEqual({
      backend: {
        mode: 'cluster',
        nodes: ['node1:6379', 'node2:6379', 'node3:6379'],
        readFrom: 'prefer-replica',
        maxRetries: 5,
        retryDelayMs: 250,
      },
    });
    expect(Object.fromEntries(layer.origins)).toEqual({
      'backend.nodes': 'env:DBX_CLUSTER_NODES',
      'backend.mode': 'env:DBX_DATABASE_TYPE',
      'backend.readFrom': 'env:DBX_CLUSTER_READ_FROM_REPLICAS',
      'backend.maxRetries': 'env:DBX_CLUSTER_MAX_RETRIES',
      'backend.retryDelayMs': 'env:DBX_CLUSTER_RETRY_DELAY_MS',
    });
  });

  it('redis-cluster without DBX_CLUSTER_NODES seeds from DBX_DATABASE_URL', () => {
    const layer = readEnvironment({
      DBX_DATABASE_TYPE: 'redis-cluster',
      DBX_DATABASE_URL: 'redis://n1:7000',
    });
    expect(layer.values).toEqual({
      backend: { url: 'redis://n1:7000', mode: 'cluster', nodes: ['redis://n1:7000'] },
    });
  });

  it('redis is standalone', () => {
    expect(readEnvironment({ DBX_DATABASE_TYPE: 'redis', DBX_DATABASE_URL: 'redis://h:1' }).values).toEqual({
      backend: { url: 'redis://h:1', mode: 'standalone' },
    });
  });

  it('valkey is standalone Valkey, or a Valkey cluster with DBX_CLUSTER_NODES', () => {
    expect(
      readEnvironment({ DBX_DATABASE_TYPE: 'valkey', DBX_DATABASE_URL: 'valkey://localhost:6379' }).values,
    ).toEqual({
      backend: { url: 'valkey://localhost:6379', mode: 'standalone', serverKind: 'valkey' },
    });
    expect(readEnvironment({ DBX_DATABASE_TYPE: 'Valkey', DBX_CLUSTER_NODES: 'v1:7000' }).values).toEqual({
      backend: { nodes: ['v1:7000'], mode: 'cluster', serverKind: 'valkey' },
    });
  });

  it('DBX_CLUSTER_NODES without a type means cluster', () => {
    expect(readEnvironment({ DBX_CLUSTER_NODES: 'a:1' }).values).toEqual({
      backend: { nodes: ['a:1'], mode: 'cluster' },
    });
  });

  it('DBX_CLUSTER_READ_FROM_REPLICAS=false reads from primaries', () => {
    expect(readEnvironment({ DBX_CLUSTER_READ_FROM_REPLICAS: '0' }).values).toEqual({
      backend: { readFrom: 'primary' },
    });
  });

  it('SLOTWAY_* wins over the DBX name for the same setting', () => {
    const layer = readEnvironment({ DBX_CLUSTER_NODES: 'a:1', SLOTWAY_BACKEND_NODES: 'b:2' });
    expect(layer.values).toEqual({ backend: { nodes: ['b:2'], mode: 'cluster' } });
    expect(layer.origins.get('backend.nodes')).toBe('env:SLOTWAY_BACKEND_NODES');
  });

  it('rejects an unknown database type and a bad boolean, naming the variable', () => {
    expect(
      readEnvironment({ DBX_DATABASE_TYPE: 'memcached', DBX_CLUSTER_READ_FROM_REPLICAS: 'sometimes' }).issues,
    ).toEqual([
      {
        path: 'backend.mode',
        value: 'memcached',
        message: 'must be one of: redis, redis-cluster, valkey',
        source: 'env:DBX_DATABASE_TYPE',
      },
      {
        path: 'backend.readFrom',
        value: 'sometimes',
        message: 'must be one of: true, false, 1, 0, yes, no',
        source: 'env:DBX_CLUSTER_READ_FROM_REPLICAS',
      },
    ]);
  });
});

describe('unknownSlotwayVariables', () => {
  it('flags SLOTWAY_* names that are not settings, with the likely one meant', () => {
    expect(
      unknownSlotwayVariables({
        SLOTWAY_LISTEN_PROT: '1',
        SLOTWAY_CONFIG: 'x.yaml',
        SLOTWAY_LISTEN_PORT: '1',
        SLOTWAY_SOMETHING_ELSE: 'x',
        PATH: '/bin',
      }),
    ).toEqual([
      { name: 'SLOTWAY_LISTEN_PROT', suggestion: 'SLOTWAY_LISTEN_PORT' },
      { name: 'SLOTWAY_SOMETHING_ELSE' },
    ]);
  });
});
