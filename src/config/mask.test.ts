import { describe, expect, it } from 'vitest';
import { maskSecrets, maskUrlPassword, maskValue } from './mask.js';
import { defaultConfig } from './schema.js';

describe('maskSecrets', () => {
  it('hides passwords, tokens and URL passwords, and nothing else', () => {
    const config = defaultConfig();
    config.backend.nodes = ['redis://app:n0de-secret@n1:7000', 'n2:7000'];
    config.backend.url = 'valkeys://:url-secret@h:6380/0';
    config.backend.password = 'backend-secret';
    config.auth.password = 'gateway-secret';
    config.auth.users = [{ name: 'app', password: 'user-secret', readOnly: false }];
    config.http.tokens = [{ token: 'token-secret-0123456789', scope: 'full', keyPrefix: 'app:' }];

    const masked = maskSecrets(config);
    expect(masked.backend.nodes).toEqual(['redis://app:***@n1:7000', 'n2:7000']);
    expect(masked.backend.url).toBe('valkeys://:***@h:6380/0');
    expect(masked.backend.password).toBe('***');
    expect(masked.auth.password).toBe('***');
    expect(masked.auth.users).toEqual([{ name: 'app', password: '***', readOnly: false }]);
    expect(masked.http.tokens).toEqual([{ token: '***', scope: 'full', keyPrefix: 'app:' }]);
    expect(JSON.stringify(masked)).not.toMatch(/secret/);
    // Everything else is untouched, and the original is not modified.
    expect({ ...masked, backend: config.backend, auth: config.auth, http: config.http }).toEqual(config);
    expect(config.auth.password).toBe('gateway-secret');
  });

  it('leaves unset secrets unset', () => {
    expect(maskSecrets(defaultConfig()).auth).toEqual({ users: [] });
  });
});

describe('maskUrlPassword', () => {
  it.each([
    ['redis://user:pw@h:1/0', 'redis://user:***@h:1/0'],
    ['rediss://:pw@h', 'rediss://:***@h'],
    ['redis://user:p@ss:w@rd@h:1', 'redis://user:***@h:1'],
    ['redis://user@h:1', 'redis://user@h:1'],
    ['redis://h:1', 'redis://h:1'],
    ['h:1', 'h:1'],
    ['not a url: x@y', 'not a url: x@y'],
  ])('%s', (text, masked) => {
    expect(maskUrlPassword(text)).toBe(masked);
  });
});

describe('maskValue', () => {
  it('masks by the last key of the path', () => {
    expect(maskValue(['auth', 'users', 0, 'password'], 'x')).toBe('***');
    expect(maskValue(['http', 'tokens'], [{ token: 'x', scope: 'full' }])).toEqual([
      { token: '***', scope: 'full' },
    ]);
    expect(maskValue(['listen', 'port'], 1)).toBe(1);
  });
});
