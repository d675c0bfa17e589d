import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { type Endpoint, formatEndpoint, InvalidEndpointError, parseEndpoint } from './endpoint.js';

function reasonFor(text: string): string {
  try {
    parseEndpoint(text);
  } catch (error) {
    if (error instanceof InvalidEndpointError) return error.reason;
    throw error;
  }
  throw new Error(`${text} parsed`);
}

describe('parseEndpoint: HOST:PORT forms', () => {
  it.each<[string, Partial<Endpoint>]>([
    ['node1:7000', { host: 'node1', port: 7000 }],
    ['10.0.0.1:6379', { host: '10.0.0.1', port: 6379 }],
    ['cache', { host: 'cache', port: 6379 }],
    ['redis_1:7001', { host: 'redis_1', port: 7001 }],
    ['[::1]:7000', { host: '::1', port: 7000 }],
    ['[::1]', { host: '::1', port: 6379 }],
    ['::1:7000', { host: '::1', port: 7000 }],
    ['fe80::1:7000', { host: 'fe80::1', port: 7000 }],
    ['2001:db8::10:30001', { host: '2001:db8::10', port: 30001 }],
    [' node1:7000 ', { host: 'node1', port: 7000 }],
  ])('%s', (text, expected) => {
    expect(parseEndpoint(text)).toEqual({ tls: false, serverKind: 'redis', ...expected });
  });

  it('takes TLS and server kind for bare endpoints from the defaults', () => {
    expect(parseEndpoint('node1:7000', { tls: true, serverKind: 'valkey' })).toEqual({
      host: 'node1',
      port: 7000,
      tls: true,
      serverKind: 'valkey',
    });
  });

  it.each([
    ['', 'is empty; expected HOST:PORT, [IPv6]:PORT or a URL (redis://, rediss://, valkey://, valkeys://)'],
    ['node1:0', 'port "0" must be an integer from 1 to 65535'],
    ['node1:65536', 'port "65536" must be an integer from 1 to 65535'],
    ['node1:abc', 'port "abc" must be an integer from 1 to 65535'],
    ['node1:', 'port "" must be an integer from 1 to 65535'],
    [
      ':7000',
      'has no host; expected HOST:PORT, [IPv6]:PORT or a URL (redis://, rediss://, valkey://, valkeys://)',
    ],
    ['fe80::1', 'is an IPv6 address without a port; write [fe80::1]:6379'],
    ['[::1', 'has "[" without a closing "]"; write IPv6 as [::1]:6379'],
    [
      '[::1]7000',
      'unexpected "7000" after "]"; expected HOST:PORT, [IPv6]:PORT or a URL (redis://, rediss://, valkey://, valkeys://)',
    ],
    ['[node1]:7000', '"node1" is not an IPv6 address'],
    [
      'no de:1',
      'contains whitespace; expected HOST:PORT, [IPv6]:PORT or a URL (redis://, rediss://, valkey://, valkeys://)',
    ],
    ['user:pw@node1:7000', 'credentials and databases need a URL, as in redis://USER:PASSWORD@HOST:PORT/0'],
    ['bad*host:1', '"bad*host" is not a valid host name or address; write IPv6 as [::1]:6379'],
  ])('rejects %j', (text, reason) => {
    expect(reasonFor(text)).toBe(reason);
  });
});

describe('parseEndpoint: URLs', () => {
  it('redis:// with user, password and database', () => {
    expect(parseEndpoint('redis://app:s3cret@cache.internal:6380/2')).toEqual({
      host: 'cache.internal',
      port: 6380,
      tls: false,
      username: 'app',
      password: 's3cret',
      db: 2,
      serverKind: 'redis',
    });
  });

  it('rediss:// uses TLS and defaults the port', () => {
    expect(parseEndpoint('rediss://cache')).toEqual({
      host: 'cache',
      port: 6379,
      tls: true,
      serverKind: 'redis',
    });
  });

  it('valkey:// marks the server as Valkey, password without user', () => {
    expect(parseEndpoint('valkey://:pw@localhost:6379/0')).toEqual({
      host: 'localhost',
      port: 6379,
      tls: false,
      password: 'pw',
      db: 0,
      serverKind: 'valkey',
    });
  });

  it('valkeys:// is Valkey over TLS', () => {
    expect(parseEndpoint('valkeys://v1:7000')).toEqual({
      host: 'v1',
      port: 7000,
      tls: true,
      serverKind: 'valkey',
    });
  });

  it('IPv6 hosts in brackets', () => {
    expect(parseEndpoint('redis://[::1]:7000')).toEqual({
      host: '::1',
      port: 7000,
      tls: false,
      serverKind: 'redis',
    });
    expect(parseEndpoint('valkeys://u:p@[fd00::3]/1')).toMatchObject({
      host: 'fd00::3',
      port: 6379,
      db: 1,
      tls: true,
    });
  });

  it('decodes %-escaped credentials and accepts an upper-case scheme', () => {
    expect(parseEndpoint('REDIS://us%3Aer:p%40ss%2F@h:1')).toMatchObject({
      username: 'us:er',
      password: 'p@ss/',
    });
  });

  it('a trailing slash is no database', () => {
    expect(parseEndpoint('redis://h:1/').db).toBeUndefined();
  });

  it('redis:// keeps the configured server kind; TLS from the defaults too', () => {
    expect(parseEndpoint('redis://h:1', { serverKind: 'valkey', tls: true })).toMatchObject({
      serverKind: 'valkey',
      tls: true,
    });
  });

  it.each([
    [
      'http://h:1',
      'unsupported scheme "http://"; allowed schemes: redis://, rediss://, valkey://, valkeys://',
    ],
    [
      'unix:///tmp/redis.sock',
      'unsupported scheme "unix://"; allowed schemes: redis://, rediss://, valkey://, valkeys://',
    ],
    ['redis://', 'has no host; write redis://HOST:PORT'],
    ['redis://h:99999', 'port must be an integer from 1 to 65535'],
    ['redis://h:0', 'port must be an integer from 1 to 65535'],
    ['redis://::1:7000', 'is not a valid URL (IPv6 hosts need brackets, as in redis://[::1]:6379)'],
    ['redis://h/db1', 'the path must be a database number, as in redis://HOST:PORT/0'],
    [
      'redis://h?tls=true',
      'query parameters and fragments are not supported; set TLS and timeouts under backend instead',
    ],
    ['redis://u:%zz@h', 'the password has a broken %-escape'],
  ])('rejects %j', (text, reason) => {
    expect(reasonFor(text)).toBe(reason);
  });

  it('is a ConfigError whose message names the input with its password masked', () => {
    const attempt = () => parseEndpoint('redis://u:topsecret@h/x');
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      'invalid endpoint "redis://u:***@h/x": the path must be a database number, as in redis://HOST:PORT/0',
    );
  });
});

describe('formatEndpoint', () => {
  it('brackets IPv6 so the text parses back', () => {
    expect(formatEndpoint({ host: '::1', port: 7000 })).toBe('[::1]:7000');
    expect(formatEndpoint({ host: 'node1', port: 7000 })).toBe('node1:7000');
    expect(parseEndpoint(formatEndpoint({ host: 'fe80::1', port: 1 })).host).toBe('fe80::1');
  });
});
