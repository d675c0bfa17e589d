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

/** The data rows of every table, as trimmed cells. */
function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('| ') && !/^\| -+ \|/.test(l))
    .map((l) =>
      l
        .slice(2, -2)
        .split(/ (?<!\\)\| /)
        .map((c) => c.trim()),
    );
}

describe('renderCommandTable', () => {
  const text = renderCommandTable(table());
  const rows = tableRows(text);
  const commandRows = rows.filter((r) => r.length === 4 && r[0] !== 'command');
  const row = (name: string) => commandRows.find((r) => r[0] === name);

  it('has one row per command and subcommand, sorted with containers before their subcommands', () => {
    expect(commandRows.map((r) => r[0])).toEqual([
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
    expect(row('GET')).toEqual(['GET', 'single-slot', '', 'readonly']);
    expect(row('MGET')).toEqual(['MGET', 'split (mget)', 'values merged in the order asked', 'readonly']);
    expect(row('DBSIZE')).toEqual(['DBSIZE', 'fan-out (sum)', 'all primaries; integer replies summed', '']);
    expect(row('CONFIG SET')?.[1]).toBe('fan-out (all-succeeded)');
    expect(row('CONFIG SET')?.[2]).toMatch(/^all nodes;/);
    expect(row('SORT')?.[2]).toContain('COMMAND GETKEYS is asked');
    expect(row('MONITOR')?.[1]).toBe('refused');
    expect(row('MONITOR')?.[2]).toMatch(/^MONITOR would capture/);
  });

  it('counts every shape in the summary', () => {
    const summary = new Map(rows.filter((r) => r.length === 3).map((r) => [r[0], r[1]]));
    expect(summary.get('single-slot')).toBe('2');
    expect(summary.get('refused')).toBe('1');
    expect(summary.get('any-node')).toBe('2');
    expect(summary.get('pinned')).toBe('0');
  });

  it('pads columns to equal width, so the Markdown formatter leaves the file alone', () => {
    const tables = text.split('\n\n').filter((block) => block.startsWith('| '));
    expect(tables).toHaveLength(2);
    for (const block of tables) {
      const widths = new Set(
        block
          .split('\n')
          .filter(Boolean)
          .map((l) => l.length),
      );
      expect(widths.size).toBe(1);
    }
  });

  it('escapes pipes so a cell cannot break the table', () => {
    // A refusal reason quotes the name, which may hold a pipe.
    const odd = renderCommandTable(new CommandTable([spec('odd|x|y', { flags: new Set(['admin']) })]));
    const [oddRow] = tableRows(odd).filter((r) => r.length === 4 && r[0] !== 'command');
    expect(oddRow?.[0]).toBe('ODD X\\|Y');
    expect(oddRow?.[2]).toMatch(/^ODD X\\\|Y is an administrative command/);
  });
});
