import { describe, expect, it } from 'vitest';
import { Router } from './router.js';

describe('Router', () => {
  const router = new Router<string>()
    .add(['GET', 'PUT'], '/v1/strings/{key}', 'string')
    .add('POST', '/v1/strings/get', 'mget')
    .add('GET', '/v1/hashes/{key}/fields/{field}', 'field')
    .add(['GET', 'POST'], '/subscribe/{channels*}', 'sse');

  it('matches literals and parameters, leaving parameters percent-encoded', () => {
    expect(router.match('GET', '/v1/strings/a%2Fb')).toEqual({
      kind: 'found',
      handler: 'string',
      params: { key: 'a%2Fb' },
    });
    expect(router.match('POST', '/v1/strings/get')).toEqual({ kind: 'found', handler: 'mget', params: {} });
    expect(router.match('GET', '/v1/hashes/h/fields/f')).toMatchObject({ params: { key: 'h', field: 'f' } });
  });

  it('tells a wrong method (with what is allowed) from a missing path', () => {
    expect(router.match('DELETE', '/v1/strings/k')).toEqual({
      kind: 'wrong-method',
      allowed: ['GET', 'PUT'],
    });
    expect(router.match('GET', '/v1/strings')).toEqual({ kind: 'none' });
    expect(router.match('GET', '/v1/strings/')).toEqual({ kind: 'none' });
    expect(router.match('GET', '/v1/strings/k/extra')).toEqual({ kind: 'none' });
  });

  it('collects the rest of the path for a trailing {name*}', () => {
    expect(router.match('POST', '/subscribe/a/b')).toMatchObject({ params: { channels: 'a/b' } });
    expect(router.match('GET', '/subscribe')).toEqual({ kind: 'none' });
  });
});
