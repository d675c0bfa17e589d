import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ConfigCheckOptions, registerConfigCommand, runConfigCheck } from './check-command.js';
import { defaultConfig } from './schema.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slotway-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function check(options: Omit<ConfigCheckOptions, 'out' | 'err'>): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runConfigCheck({
    ...options,
    out: { write: (text: string) => (out += text) },
    err: { write: (text: string) => (err += text) },
  });
  return { code, out, err };
}

describe('runConfigCheck', () => {
  it('prints the effective config as YAML, secrets masked, and the source of each non-default value', () => {
    const file = join(dir, 'slotway.yaml');
    writeFileSync(file, 'backend:\n  password: s3cret\nlisten:\n  port: 7000\n');
    const { code, out, err } = check({
      file,
      env: { DBX_CLUSTER_NODES: 'n1:7000,n2:7000', SLOTWAY_LOG_LEVEL: 'debug' },
      flags: { httpPort: '8081' },
    });
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).not.toContain('s3cret');

    const printed = parse(out);
    expect(printed.backend).toMatchObject({
      mode: 'cluster',
      nodes: ['n1:7000', 'n2:7000'],
      password: '***',
    });
    expect(printed.listen.port).toBe(7000);
    expect(printed.http.port).toBe(8081);

    expect(out.split('\n').filter((line) => line.startsWith('#'))).toEqual([
      '# Slotway effective configuration (secrets masked as ***)',
      `# Config file: ${file}`,
      '# Values that are not defaults, and where they came from:',
      '#   backend.mode      env DBX_CLUSTER_NODES',
      '#   backend.nodes     env DBX_CLUSTER_NODES',
      `#   backend.password  file ${file}`,
      `#   listen.port       file ${file}`,
      '#   http.port         flag --http-port',
      '#   log.level         env SLOTWAY_LOG_LEVEL',
    ]);
  });

  it('the printed YAML is itself a valid config file', () => {
    const { out } = check({ env: { SLOTWAY_BACKEND_NODES: 'a:1' } });
    const file = join(dir, 'printed.yaml');
    writeFileSync(file, out);
    const again = check({ file, env: {} });
    expect(again.code).toBe(0);
    expect(parse(again.out)).toEqual({
      ...defaultConfig(),
      backend: { ...defaultConfig().backend, nodes: ['a:1'] },
    });
  });

  it('notes SLOTWAY_* variables that are not settings', () => {
    const { out } = check({ env: { SLOTWAY_BACKEND_NODES: 'a:1', SLOTWAY_LISTEN_PROT: '1' } });
    expect(out).toContain(
      '# Note: SLOTWAY_LISTEN_PROT is not a Slotway setting; did you mean SLOTWAY_LISTEN_PORT?\n',
    );
  });

  it('prints every error and exits 1', () => {
    const { code, out, err } = check({
      env: { SLOTWAY_BACKEND_NODES: 'a:1', SLOTWAY_BACKEND_CONNECTIONS_PER_NODE: '0' },
      flags: { logLevel: 'loud' },
    });
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe(
      [
        'Slotway configuration is invalid (2 errors):',
        '  backend.connectionsPerNode = 0 (from env SLOTWAY_BACKEND_CONNECTIONS_PER_NODE): must be an integer from 1 to 64',
        '  log.level = "loud" (from flag --log-level): must be one of: trace, debug, info, warn, error, fatal, silent',
        '',
      ].join('\n'),
    );
  });

  it('reports an unreadable file and exits 1', () => {
    const file = join(dir, 'missing.yaml');
    const { code, err } = check({ file, env: {} });
    expect(code).toBe(1);
    expect(err).toBe(`Slotway configuration error: config file ${file}: cannot be read (ENOENT)\n`);
  });
});

describe('registerConfigCommand', () => {
  it('adds `config check` with --config and the setting flags', () => {
    const program = new Command('slotway').exitOverride();
    registerConfigCommand(program);
    const check = program.commands.find((command) => command.name() === 'config')?.commands;
    expect(check?.map((command) => command.name())).toEqual(['check', 'reference']);
    const flags = check?.[0]?.options.map((option) => option.long);
    expect(flags).toEqual([
      '--config',
      '--cluster',
      '--standalone',
      '--host',
      '--port',
      '--http-port',
      '--admin-port',
      '--read-from',
      '--workers',
      '--log-level',
      '--password',
    ]);
  });
});
