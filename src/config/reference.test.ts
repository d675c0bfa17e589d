import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';
import { EXAMPLE_CONFIG_YAML, renderConfigReference } from './reference.js';

const DOCS_FILE = new URL('../../docs/configuration.md', import.meta.url);

describe('configuration reference', () => {
  it('docs/configuration.md is the generated reference (regenerate: slotway config reference > docs/configuration.md)', () => {
    expect(readFileSync(DOCS_FILE, 'utf8')).toBe(renderConfigReference());
  });

  it('documents every setting, variable and flag', () => {
    const reference = renderConfigReference();
    for (const name of [
      '`backend.connectionsPerNode`',
      '`SLOTWAY_LISTEN_PORT`',
      '`DBX_CLUSTER_NODES`',
      '`--http-port <port>`',
    ]) {
      expect(reference).toContain(name);
    }
    expect(reference).toMatch(
      /\| `backend\.connectionsPerNode` +\| an integer from 1 to 64 +\| `2` +\| `SLOTWAY_BACKEND_CONNECTIONS_PER_NODE` +\|/,
    );
  });

  it('the example config is valid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slotway-config-'));
    try {
      const file = join(dir, 'example.yaml');
      writeFileSync(file, EXAMPLE_CONFIG_YAML);
      const { config } = loadConfig({ file, env: {} });
      expect(config.backend.nodes).toHaveLength(3);
      expect(config.auth.users[1]?.readOnly).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
