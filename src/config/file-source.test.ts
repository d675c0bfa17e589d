import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { readConfigFile } from './file-source.js';

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

describe('readConfigFile', () => {
  it('reads YAML (.yaml and .yml) with the file as the source of every leaf', () => {
    const yaml = 'backend:\n  nodes: [a:1, "[::1]:2"]\n  tls: { enabled: true }\nlisten:\n  port: 7000\n';
    for (const name of ['slotway.yaml', 'slotway.yml']) {
      const layer = readConfigFile(file(name, yaml));
      expect(layer.values).toEqual({
        backend: { nodes: ['a:1', '[::1]:2'], tls: { enabled: true } },
        listen: { port: 7000 },
      });
      expect(Object.fromEntries(layer.origins)).toEqual({
        'backend.nodes': 'file',
        'backend.tls.enabled': 'file',
        'listen.port': 'file',
      });
    }
  });

  it('reads JSON', () => {
    const layer = readConfigFile(file('slotway.json', '{"http": {"port": 8081}, "workers": 2}'));
    expect(layer.values).toEqual({ http: { port: 8081 }, workers: 2 });
  });

  it('an empty YAML file means the defaults', () => {
    expect(readConfigFile(file('empty.yaml', '# nothing yet\n')).values).toEqual({});
  });

  it('keeps unknown keys for the schema to report with their path', () => {
    expect(
      readConfigFile(file('s.yaml', 'backend:\n  conections: 3\n')).origins.get('backend.conections'),
    ).toBe('file');
  });

  it.each([
    [
      'slotway.toml',
      'x = 1',
      /^config file .*slotway\.toml: unsupported extension "\.toml"; use \.yaml, \.yml, \.json$/,
    ],
    ['bad.yaml', 'listen:\n  port: [1\n', /^config file .*bad\.yaml: invalid YAML: /],
    ['dup.yaml', 'workers: 1\nworkers: 2\n', /invalid YAML: Map keys must be unique/],
    ['bad.json', '{"listen": ', /^config file .*bad\.json: invalid JSON: /],
    ['list.yaml', '- a\n- b\n', /must hold a mapping of settings \(such as "listen:"\), not a value$/],
  ])('rejects %s', (name, text, message) => {
    const path = file(name, text);
    expect(() => readConfigFile(path)).toThrow(ConfigError);
    expect(() => readConfigFile(path)).toThrow(message);
  });

  it('a missing file is a ConfigError naming it', () => {
    const path = join(dir, 'missing.yaml');
    expect(() => readConfigFile(path)).toThrow(`config file ${path}: cannot be read (ENOENT)`);
  });
});
