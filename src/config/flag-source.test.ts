import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addConfigFlags, type CliFlags, readFlags } from './flag-source.js';

describe('readFlags', () => {
  it('--cluster sets cluster mode and the seed nodes', () => {
    const layer = readFlags({ cluster: 'a:1,b:2' });
    expect(layer.values).toEqual({ backend: { mode: 'cluster', nodes: ['a:1', 'b:2'] } });
    expect(layer.origins.get('backend.nodes')).toBe('flag:--cluster');
  });

  it('--standalone sets standalone mode and the URL', () => {
    expect(readFlags({ standalone: 'redis://h:6379' }).values).toEqual({
      backend: { mode: 'standalone', url: 'redis://h:6379' },
    });
  });

  it('maps the listener, API, admin, routing, worker, log and password flags', () => {
    const layer = readFlags({
      host: '0.0.0.0',
      port: '7000',
      httpPort: 8081,
      adminPort: '9200',
      readFrom: 'prefer-replica',
      workers: '2',
      logLevel: 'warn',
      password: 'pw',
      config: 'ignored-here.yaml',
    });
    expect(layer.issues).toEqual([]);
    expect(layer.values).toEqual({
      listen: { host: '0.0.0.0', port: 7000 },
      http: { port: 8081 },
      admin: { port: 9200 },
      backend: { readFrom: 'prefer-replica' },
      workers: 2,
      log: { level: 'warn' },
      auth: { password: 'pw' },
    });
    expect(Object.fromEntries(layer.origins)).toMatchObject({
      'listen.port': 'flag:--port',
      'http.port': 'flag:--http-port',
      'admin.port': 'flag:--admin-port',
      'log.level': 'flag:--log-level',
    });
  });

  it('refuses --cluster together with --standalone', () => {
    expect(readFlags({ cluster: 'a:1', standalone: 'redis://h' }).issues).toEqual([
      {
        path: 'backend.mode',
        value: '--standalone redis://h',
        message: 'give only one of --cluster and --standalone',
        source: 'flag:--standalone',
      },
    ]);
  });
});

describe('addConfigFlags', () => {
  it('registers the flags so commander hands back CliFlags', () => {
    const command = addConfigFlags(new Command('start').exitOverride());
    command.parse(['--config', 's.yaml', '--cluster', 'a:1', '--http-port', '81', '--log-level', 'debug'], {
      from: 'user',
    });
    expect(command.opts<CliFlags>()).toEqual({
      config: 's.yaml',
      cluster: 'a:1',
      httpPort: '81',
      logLevel: 'debug',
    });
    expect(readFlags(command.opts<CliFlags>()).values).toEqual({
      backend: { mode: 'cluster', nodes: ['a:1'] },
      http: { port: 81 },
      log: { level: 'debug' },
    });
  });
});
