import { describe, expect, it } from 'vitest';
import { documentLayer, formatPath, LayerBuilder, leafPaths, mergeLayers, originOf } from './sources.js';

describe('mergeLayers', () => {
  it('merges objects key by key, replaces lists, and keeps the latest origin', () => {
    const file = documentLayer({ backend: { nodes: ['a:1', 'b:1'], tls: { caFile: 'ca.pem' } } }, 'file');
    const env = new LayerBuilder();
    env.set('backend.nodes', ['c:1'], 'env:SLOTWAY_BACKEND_NODES');
    env.set('backend.tls.enabled', true, 'env:SLOTWAY_BACKEND_TLS_ENABLED');
    const merged = mergeLayers([file, env.build()]);
    expect(merged.values).toEqual({ backend: { nodes: ['c:1'], tls: { caFile: 'ca.pem', enabled: true } } });
    expect(Object.fromEntries(merged.origins)).toEqual({
      'backend.nodes': 'env:SLOTWAY_BACKEND_NODES',
      'backend.tls.caFile': 'file',
      'backend.tls.enabled': 'env:SLOTWAY_BACKEND_TLS_ENABLED',
    });
  });
});

describe('originOf', () => {
  const origins = new Map([
    ['http.tokens', 'file' as const],
    ['extra.key', 'file' as const],
  ]);
  it('uses the path, then its parents, then its children', () => {
    expect(originOf(origins, ['http', 'tokens', 0, 'scope'])).toBe('file');
    expect(originOf(origins, ['extra'])).toBe('file');
    expect(originOf(origins, ['listen', 'port'])).toBe('default');
  });
});

describe('paths', () => {
  it('formats list indexes as a config file reader expects', () => {
    expect(formatPath(['auth', 'users', 0, 'name'])).toBe('auth.users[0].name');
  });

  it('lists leaves in document order, lists as one leaf', () => {
    expect(leafPaths({ a: { b: 1, c: [1, 2] }, d: 'x' })).toEqual([['a', 'b'], ['a', 'c'], ['d']]);
  });
});
