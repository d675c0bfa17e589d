// Every command a real redis-server lists in COMMAND gets exactly one shape in the gateway's command
// table, the shapes of well-known commands are the intended ones, key positions found from the key
// specs agree with the server's own COMMAND GETKEYS, and docs/commands.md is the generated table.

import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminClient } from '../../src/backend/admin-client.js';
import type { CommandShape } from '../../src/commands/command-shape.js';
import { CommandTable } from '../../src/commands/command-table.js';
import { renderCommandTable } from '../../src/commands/command-table-doc.js';
import { keyIndexes } from '../../src/commands/key-extraction.js';
import { needsServerKeys } from '../../src/gateway/getkeys-request.js';
import { itemsOf, textOf } from '../../src/topology/reply-fields.js';
import { useStandalone } from '../support/cluster.js';
import { tokenize } from './conformance-cases.js';

const DOCS = fileURLToPath(new URL('../../docs/commands.md', import.meta.url));

const KINDS: ReadonlySet<CommandShape['kind']> = new Set([
  'single-slot',
  'split',
  'fan-out',
  'scan',
  'random-key',
  'any-node',
  'pinned',
  'gateway',
  'refused',
]);

/** name → the shape it must have (only the fields given are compared). */
const EXPECTED: Record<string, Partial<CommandShape> & { kind: CommandShape['kind'] }> = {
  get: { kind: 'single-slot' },
  set: { kind: 'single-slot' },
  msetnx: { kind: 'single-slot' },
  sunionstore: { kind: 'single-slot' },
  rename: { kind: 'single-slot' },
  eval: { kind: 'single-slot' },
  xread: { kind: 'single-slot' },
  'object|encoding': { kind: 'single-slot' },
  'xinfo|stream': { kind: 'single-slot' },
  'memory|usage': { kind: 'single-slot' },
  sort: { kind: 'single-slot' },
  mget: { kind: 'split', merge: 'mget', keyStep: 1 },
  mset: { kind: 'split', merge: 'mset', keyStep: 2 },
  del: { kind: 'split', merge: 'sum', keyStep: 1 },
  unlink: { kind: 'split', merge: 'sum', keyStep: 1 },
  exists: { kind: 'split', merge: 'sum', keyStep: 1 },
  touch: { kind: 'split', merge: 'sum', keyStep: 1 },
  dbsize: { kind: 'fan-out', target: 'primaries', merge: 'sum' },
  keys: { kind: 'fan-out', target: 'primaries', merge: 'concat' },
  flushall: { kind: 'fan-out', target: 'primaries', merge: 'all-succeeded' },
  flushdb: { kind: 'fan-out', target: 'primaries', merge: 'all-succeeded' },
  info: { kind: 'fan-out', target: 'primaries', merge: 'info' },
  'script|load': { kind: 'fan-out', target: 'all-nodes', merge: 'all-succeeded' },
  'script|flush': { kind: 'fan-out', target: 'all-nodes', merge: 'all-succeeded' },
  'script|exists': { kind: 'fan-out', target: 'primaries', merge: 'logical-and' },
  'function|load': { kind: 'fan-out', target: 'primaries', merge: 'all-succeeded' },
  'function|delete': { kind: 'fan-out', target: 'primaries', merge: 'all-succeeded' },
  'function|flush': { kind: 'fan-out', target: 'primaries', merge: 'all-succeeded' },
  'config|set': { kind: 'fan-out', target: 'all-nodes', merge: 'all-succeeded' },
  'cluster|countkeysinslot': { kind: 'fan-out', target: 'primaries', merge: 'sum' },
  'cluster|getkeysinslot': { kind: 'fan-out', target: 'primaries', merge: 'concat' },
  scan: { kind: 'scan' },
  randomkey: { kind: 'random-key' },
  time: { kind: 'any-node' },
  'config|get': { kind: 'any-node' },
  'function|list': { kind: 'any-node' },
  'command|getkeys': { kind: 'any-node' },
  publish: { kind: 'any-node' },
  multi: { kind: 'pinned' },
  exec: { kind: 'pinned' },
  watch: { kind: 'pinned' },
  blpop: { kind: 'pinned' },
  blmove: { kind: 'pinned' },
  bzpopmin: { kind: 'pinned' },
  subscribe: { kind: 'pinned' },
  ssubscribe: { kind: 'pinned' },
  wait: { kind: 'pinned' },
  monitor: { kind: 'refused' },
  shutdown: { kind: 'refused' },
  swapdb: { kind: 'refused' },
  move: { kind: 'refused' },
  'client|kill': { kind: 'refused' },
  'script|debug': { kind: 'refused' },
  'cluster|failover': { kind: 'refused' },
  ping: { kind: 'gateway' },
  echo: { kind: 'gateway' },
  select: { kind: 'gateway' },
  hello: { kind: 'gateway' },
  auth: { kind: 'gateway' },
  'client|setname': { kind: 'gateway' },
  'acl|whoami': { kind: 'gateway' },
  'client|id': { kind: 'gateway' },
  'cluster|keyslot': { kind: 'gateway' },
};

/** Command lines whose keys, found from the key specs, must be what the server's GETKEYS says. */
const KEY_LINES = [
  'GET k',
  'SET k v EX 10',
  'MSET a 1 b 2 c 3',
  'MGET a b c',
  'DEL a b c',
  'RENAME a b',
  'COPY a b REPLACE',
  'SMOVE a b m',
  'LMOVE a b LEFT RIGHT',
  'BLMOVE a b LEFT RIGHT 0',
  'BRPOPLPUSH a b 0',
  'BLPOP a b c 0',
  'BZPOPMIN a b 1',
  'LMPOP 2 a b LEFT COUNT 2',
  'BLMPOP 0 3 a b c RIGHT',
  'ZMPOP 2 a b MIN',
  'SINTERCARD 2 a b LIMIT 1',
  'ZINTERCARD 3 a b c',
  'ZUNIONSTORE d 2 a b WEIGHTS 1 2',
  'ZUNION 2 a b WITHSCORES',
  'ZDIFFSTORE d 2 a b',
  'ZRANGESTORE d s 0 -1',
  'SUNIONSTORE d a b c',
  'BITOP AND d a b c',
  'PFMERGE d a b',
  'PFCOUNT a b c',
  'EVAL "return 1" 2 a b x y',
  'EVALSHA abc 1 a x',
  'EVAL_RO "return 1" 3 a b c',
  'FCALL f 2 a b x',
  'XREAD COUNT 1 STREAMS a b 0 0',
  'XREAD BLOCK 0 STREAMS a 0',
  'XREADGROUP GROUP g c COUNT 1 STREAMS a b > >',
  'XADD s * f v',
  'XINFO STREAM s',
  'XGROUP CREATE s g $',
  'OBJECT ENCODING k',
  'MEMORY USAGE k',
  'GEORADIUS g 0 0 1 km STORE d',
  'GEORADIUS g 0 0 1 km STOREDIST d',
  'GEORADIUSBYMEMBER g m 1 km STORE d',
  'GEOSEARCHSTORE d s FROMLONLAT 0 0 BYRADIUS 1 km',
  'LCS a b',
  'MSETNX a 1 b 2',
  'TOUCH a b',
  'WATCH a b c',
  'RESTORE k 0 payload',
  'SORT k',
  'SORT_RO k',
];

/** Key names per the key specs, for a command line. */
function keysBySpec(table: CommandTable, args: Buffer[]): string[] {
  const entry = table.resolve(args);
  if (!entry) throw new Error(`unknown command: ${args[0]}`);
  return keyIndexes(entry.spec, args).map((i) => args[i]!.toString());
}

describe('command shapes', () => {
  const server = useStandalone();
  let client: AdminClient;
  let table: CommandTable;

  beforeAll(async () => {
    client = await server().client(server().nodes[0]!.port);
    table = await CommandTable.load(client);
  });

  afterAll(() => client?.close());

  it('gives every command and subcommand the server lists exactly one valid shape', async () => {
    const listed = itemsOf(await client.call('COMMAND', 'LIST')).map((v) => textOf(v).toLowerCase());
    expect(listed.length).toBeGreaterThan(200);
    const names: string[] = [];
    for (const item of itemsOf(await client.call('COMMAND'))) {
      const name = textOf(itemsOf(item)[0]).toLowerCase();
      names.push(name);
      for (const sub of itemsOf(itemsOf(item)[9])) names.push(textOf(itemsOf(sub)[0]).toLowerCase());
    }
    expect(new Set(names).size).toBe(names.length);
    // COMMAND LIST names subcommands too (`config|get`).
    expect(new Set(listed)).toEqual(new Set(names));

    const seen = new Map<string, CommandShape>();
    for (const entry of table.all()) {
      expect(seen.has(entry.spec.name), `${entry.spec.name} appears twice`).toBe(false);
      seen.set(entry.spec.name, entry.shape);
    }
    const problems: string[] = [];
    for (const name of names) {
      const shape = seen.get(name);
      if (!shape) {
        problems.push(`${name}: no shape`);
        continue;
      }
      if (!KINDS.has(shape.kind)) problems.push(`${name}: unknown shape ${JSON.stringify(shape)}`);
      if ((shape.kind === 'refused' || shape.kind === 'pinned') && shape.reason.trim() === '') {
        problems.push(`${name}: ${shape.kind} without a reason`);
      }
      if (table.get(name)?.shape !== shape) problems.push(`${name}: get() disagrees with all()`);
    }
    expect(problems).toEqual([]);
    expect(seen.size).toBe(names.length);
  });

  it('gives well-known commands their intended shapes', () => {
    const wrong: string[] = [];
    for (const [name, expected] of Object.entries(EXPECTED)) {
      const shape = table.get(name)?.shape;
      if (!shape) {
        wrong.push(`${name}: missing`);
        continue;
      }
      for (const [field, value] of Object.entries(expected)) {
        if ((shape as Record<string, unknown>)[field] !== value) {
          wrong.push(`${name}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(shape)}`);
          break;
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('finds the keys the server itself finds (COMMAND GETKEYS), except where the key specs say they cannot', async () => {
    const mismatches: string[] = [];
    for (const line of KEY_LINES) {
      const args = tokenize(line).map((a) => Buffer.from(a));
      const entry = table.resolve(args)!;
      const reply = await client.send(['COMMAND', 'GETKEYS', ...args]);
      const serverKeys = reply.type === 'array' ? reply.value.map(textOf) : [];
      const ours = keysBySpec(table, args);
      if (entry.spec.needsGetKeys) {
        // Incomplete key specs find a subset, in the same order; the gateway asks GETKEYS for these.
        if (!ours.every((k) => serverKeys.includes(k))) mismatches.push(`${line}: ${ours} ⊄ ${serverKeys}`);
      } else if (JSON.stringify(ours) !== JSON.stringify(serverKeys)) {
        mismatches.push(`${line}: key specs give [${ours}], GETKEYS gives [${serverKeys}]`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('marks the commands with incomplete key specs as needing COMMAND GETKEYS', () => {
    const needs = [...table.all()].filter((e) => e.spec.needsGetKeys).map((e) => e.spec.name);
    expect(needs).toEqual(expect.arrayContaining(['sort', 'sort_ro', 'migrate']));
    for (const name of needs) expect(table.get(name)?.shape.kind).toBe('single-slot');
  });

  it('asks COMMAND GETKEYS only when the key specs cannot place the keys', () => {
    const needs = (line: string) => {
      const args = tokenize(line).map((a) => Buffer.from(a));
      return needsServerKeys(table.resolve(args)!.spec, args);
    };
    // The source key is a real key; a node rejects a STORE key in another slot itself.
    expect(needs('SORT k')).toBe(false);
    expect(needs('SORT k BY nosort STORE d')).toBe(false);
    expect(needs('SORT_RO k LIMIT 0 1')).toBe(false);
    expect(needs('MIGRATE h 1 k 0 5000')).toBe(false);
    // The KEYS form: the key at index 3 is an empty placeholder, the real keys follow KEYS.
    expect(needs('MIGRATE h 1 "" 0 5000 KEYS a b')).toBe(true);
    expect(needs('GET k')).toBe(false);
    expect(needs('EVAL "return 1" 0')).toBe(false);
  });

  it('documents the table in docs/commands.md', async () => {
    const text = renderCommandTable(table);
    if (process.env.UPDATE_COMMAND_DOCS) await writeFile(DOCS, text);
    const docs = await readFile(DOCS, 'utf8').catch(() => '');
    expect(
      docs,
      'docs/commands.md is stale: UPDATE_COMMAND_DOCS=1 npx vitest run test/gateway/command-shapes.test.ts',
    ).toBe(text);
  });
});
