import { describe, expect, it } from 'vitest';
import type { CommandSpec, KeySpec } from './command-spec.js';
import { CommandTable } from './command-table.js';
import { renderCommandTable } from './command-table-doc.js';

const KEY_AT_1: KeySpec = {
  begin: { kind: 'index', index: 1 },
  find: { kind: 'range', lastKey: 0, keyStep: 1, limit: 0 },
  flags: new Set(),
};

function spec(name: string, options: Partial<CommandSpec> = {}): CommandSpec {
  return {
    name,
    arity: -2,
    flags: new Set(),
    firstKey: 0,
    lastKey: 0,
    keyStep: 0,
    keySpecs: [],
    tips: [],
    subcommands: new Map(),
    needsGetKeys: false,
    ...options,
  };
}

function table(): CommandTable {
  const configGet = spec('config|get', { flags: new Set(['admin']) });
  const configSet = spec('config|set', {
    flags: new Set(['admin']),
    tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
  });
  return new CommandTable([
    spec('get', {
      flags: new Set(['readonly', 'fast']),
      firstKey: 1,
      lastKey: 1,
      keyStep: 1,
      keySpecs: [KEY_AT_1],
    }),
    spec('mget', {
      flags: new Set(['readonly']),
      firstKey: 1,
      lastKey: -1,
      keyStep: 1,
      keySpecs: [KEY_AT_1],
    }),
    spec('dbsize', { tips: ['request_policy:all_shards', 'response_policy:agg_sum'] }),
    spec('sort', {
      flags: new Set(['write', 'movablekeys']),
      keySpecs: [KEY_AT_1],
      needsGetKeys: true,
    }),
    spec('monitor', { flags: new Set(['admin']) }),
    spec('config', {
      subcommands: new Map([
        ['set', configSet],
        ['get', configGet],
      ]),
    }),
  ]);
}

describe('renderCommandTable', () => {
  const text = renderCommandTable(table());
  const rows = text
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| command') && !l.startsWith('| shape'));
  const commandRows = rows.filter((l) => !/^\| [a-z-]+ \| \d+ \|/.test(l));

  it('has one row per command and subcommand, sorted with containers before their subcommands', () => {
    expect(commandRows.map((r) => r.split(' | ')[0]!.slice(2))).toEqual([
      'CONFIG',
      'CONFIG GET',
      'CONFIG SET',
      'DBSIZE',
      'GET',
      'MGET',
      'MONITOR',
      'SORT',
    ]);
  });

  it('names the shape, its merge policy or reason, and the routing-relevant flags', () => {
    const row = (name: string) => commandRows.find((r) => r.startsWith(`| ${name} |`));
    expect(row('GET')).toBe('| GET | single-slot |  | readonly |');
    expect(row('MGET')).toBe('| MGET | split (mget) | values merged in the order asked | readonly |');
    expect(row('DBSIZE')).toBe('| DBSIZE | fan-out (sum) | all primaries; integer replies summed |  |');
    expect(row('CONFIG SET')).toContain('| fan-out (all-succeeded) | all nodes;');
    expect(row('SORT')).toContain('key positions from COMMAND GETKEYS');
    expect(row('MONITOR')).toMatch(/^\| MONITOR \| refused \| MONITOR would capture/);
  });

  it('counts every shape in the summary', () => {
    expect(text).toContain('| single-slot | 2 |');
    expect(text).toContain('| refused | 1 |');
    expect(text).toContain('| any-node | 2 |');
  });

  it('escapes pipes so a cell cannot break the table', () => {
    for (const r of commandRows) expect(r.replace(/\\\|/g, '').split('|')).toHaveLength(6);
  });
});
