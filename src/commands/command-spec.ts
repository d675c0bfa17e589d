// What the backend says about one command (COMMAND INFO): arity, flags, key specs and tips. Key
// specs tell where the keys are, so module commands route correctly without a table of our own.

import type { RespValue } from '../protocol/resp-value.js';
import { fieldsOf, intOf, itemsOf, textOf } from '../topology/reply-fields.js';

export type BeginSearch =
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'keyword'; readonly keyword: string; readonly startFrom: number }
  | { readonly kind: 'unknown' };

export type FindKeys =
  | { readonly kind: 'range'; readonly lastKey: number; readonly keyStep: number; readonly limit: number }
  | {
      readonly kind: 'keynum';
      readonly keyNumIndex: number;
      readonly firstKey: number;
      readonly keyStep: number;
    }
  | { readonly kind: 'unknown' };

export interface KeySpec {
  readonly begin: BeginSearch;
  readonly find: FindKeys;
  readonly flags: ReadonlySet<string>;
}

export interface CommandSpec {
  /** Lower-case name; subcommands as `container|sub`, like Redis. */
  readonly name: string;
  readonly arity: number;
  readonly flags: ReadonlySet<string>;
  readonly firstKey: number;
  readonly lastKey: number;
  readonly keyStep: number;
  readonly keySpecs: readonly KeySpec[];
  readonly tips: readonly string[];
  readonly subcommands: ReadonlyMap<string, CommandSpec>;
  /** True when the key specs cannot find every key and COMMAND GETKEYS must be asked. */
  readonly needsGetKeys: boolean;
}

export function parseCommandSpec(v: RespValue): CommandSpec | null {
  const items = itemsOf(v);
  if (items.length < 6) return null;
  const name = textOf(items[0]).toLowerCase();
  const flags = new Set(itemsOf(items[2]).map((f) => textOf(f).toLowerCase()));
  const keySpecs = itemsOf(items[8]).map(parseKeySpec);
  const subcommands = new Map<string, CommandSpec>();
  for (const sub of itemsOf(items[9])) {
    const spec = parseCommandSpec(sub);
    if (spec) subcommands.set(spec.name.slice(spec.name.indexOf('|') + 1), spec);
  }
  const needsGetKeys =
    keySpecs.some(
      (k) => k.flags.has('incomplete') || k.begin.kind === 'unknown' || k.find.kind === 'unknown',
    ) ||
    (flags.has('movablekeys') && keySpecs.length === 0);
  return {
    name,
    arity: intOf(items[1]),
    flags,
    firstKey: intOf(items[3]),
    lastKey: intOf(items[4]),
    keyStep: intOf(items[5]),
    keySpecs,
    tips: itemsOf(items[7]).map((t) => textOf(t).toLowerCase()),
    subcommands,
    needsGetKeys,
  };
}

function parseKeySpec(v: RespValue): KeySpec {
  const fields = fieldsOf(v);
  const flags = new Set(itemsOf(fields.get('flags')).map((f) => textOf(f).toLowerCase()));
  const bs = fieldsOf(fields.get('begin_search'));
  const bsSpec = fieldsOf(bs.get('spec'));
  let begin: BeginSearch = { kind: 'unknown' };
  if (textOf(bs.get('type')) === 'index') begin = { kind: 'index', index: intOf(bsSpec.get('index')) };
  else if (textOf(bs.get('type')) === 'keyword') {
    begin = {
      kind: 'keyword',
      keyword: textOf(bsSpec.get('keyword')),
      startFrom: intOf(bsSpec.get('startfrom')),
    };
  }
  const fk = fieldsOf(fields.get('find_keys'));
  const fkSpec = fieldsOf(fk.get('spec'));
  let find: FindKeys = { kind: 'unknown' };
  if (textOf(fk.get('type')) === 'range') {
    find = {
      kind: 'range',
      lastKey: intOf(fkSpec.get('lastkey')),
      keyStep: intOf(fkSpec.get('keystep')),
      limit: intOf(fkSpec.get('limit')),
    };
  } else if (textOf(fk.get('type')) === 'keynum') {
    find = {
      kind: 'keynum',
      keyNumIndex: intOf(fkSpec.get('keynumidx')),
      firstKey: intOf(fkSpec.get('firstkey')),
      keyStep: intOf(fkSpec.get('keystep')),
    };
  }
  return { begin, find, flags };
}

/** Tip value for a prefix, e.g. tipValue(spec, 'request_policy') → 'all_shards'. */
export function tipValue(spec: CommandSpec, name: string): string | undefined {
  const prefix = `${name}:`;
  const tip = spec.tips.find((t) => t.startsWith(prefix));
  return tip?.slice(prefix.length);
}
