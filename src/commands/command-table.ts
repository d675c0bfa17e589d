// The gateway's command table, built from the backend's own COMMAND reply at start-up: one entry per
// command and subcommand with its spec and shape. Looking a command up is one Map access on the
// lower-cased name (plus one for the subcommand of container commands).

import type { AdminClient } from '../backend/admin-client.js';
import { itemsOf } from '../topology/reply-fields.js';
import { type CommandShape, shapeOf } from './command-shape.js';
import { type CommandSpec, parseCommandSpec } from './command-spec.js';

export interface CommandEntry {
  readonly spec: CommandSpec;
  readonly shape: CommandShape;
  /** Upper-case name as clients see it in errors, e.g. `CONFIG GET`. */
  readonly displayName: string;
  readonly readOnly: boolean;
  readonly write: boolean;
  /** Argument index of the only key, for the common one-key commands (GET, SET, ...); -1 otherwise. */
  readonly singleKeyIndex: number;
  /** Subcommand entries of a container command (CONFIG, CLIENT, ...). */
  readonly subcommands: ReadonlyMap<string, CommandEntry> | null;
}

export class CommandTable {
  private readonly entries = new Map<string, CommandEntry>();

  constructor(specs: Iterable<CommandSpec>) {
    for (const spec of specs) this.entries.set(spec.name, toEntry(spec));
  }

  static async load(client: AdminClient): Promise<CommandTable> {
    const reply = await client.call('COMMAND');
    const specs: CommandSpec[] = [];
    for (const item of itemsOf(reply)) {
      const spec = parseCommandSpec(item);
      if (spec) specs.push(spec);
    }
    return new CommandTable(specs);
  }

  /** The entry for a command line, descending into subcommands; undefined when the backend does not know it. */
  resolve(args: readonly Buffer[]): CommandEntry | undefined {
    const entry = this.entries.get(args[0]!.toString('latin1').toLowerCase());
    if (!entry?.subcommands || args.length < 2) return entry;
    return entry.subcommands.get(args[1]!.toString('latin1').toLowerCase()) ?? entry;
  }

  get(name: string): CommandEntry | undefined {
    const [container, sub] = name.toLowerCase().split('|');
    const entry = this.entries.get(container!);
    return sub ? entry?.subcommands?.get(sub) : entry;
  }

  /** Every command and subcommand, for the shape table and its test. */
  *all(): Generator<CommandEntry> {
    for (const entry of this.entries.values()) {
      yield entry;
      if (entry.subcommands) yield* entry.subcommands.values();
    }
  }
}

function toEntry(spec: CommandSpec): CommandEntry {
  const subcommands =
    spec.subcommands.size > 0
      ? new Map([...spec.subcommands].map(([name, sub]) => [name, toEntry(sub)]))
      : null;
  return {
    spec,
    shape: shapeOf(spec),
    displayName: spec.name.replace('|', ' ').toUpperCase(),
    readOnly: spec.flags.has('readonly'),
    write: spec.flags.has('write'),
    singleKeyIndex: singleKeyIndexOf(spec),
    subcommands,
  };
}

/** The key's index when the key specs name exactly one key at a fixed position. */
function singleKeyIndexOf(spec: CommandSpec): number {
  if (spec.keySpecs.length !== 1 || spec.needsGetKeys) return -1;
  const { begin, find } = spec.keySpecs[0]!;
  return begin.kind === 'index' && find.kind === 'range' && find.lastKey === 0 ? begin.index : -1;
}
