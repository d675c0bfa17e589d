// `slotway config check`: loads the configuration exactly as `start` would and prints either the
// effective settings (secrets masked) with the source of every value that is not a default, or every
// problem found. Exit code 0 or 1, so deploy scripts can gate on it.

import type { Command } from 'commander';
import { stringify } from 'yaml';
import {
  ConfigError,
  type ConfigSource,
  ConfigValidationError,
  describeSource,
  formatConfigErrors,
} from './config-error.js';
import { type Environment, unknownSlotwayVariables } from './env-source.js';
import { addConfigFlags, type CliFlags } from './flag-source.js';
import { type LoadedConfig, loadConfig } from './load.js';
import { maskSecrets } from './mask.js';
import { renderConfigReference } from './reference.js';
import { formatPath, leafPaths, originOf } from './sources.js';

export interface TextOutput {
  write(text: string): unknown;
}

export interface ConfigCheckOptions {
  readonly file?: string;
  readonly env?: Environment;
  readonly flags?: CliFlags;
  readonly out?: TextOutput;
  /** Where problems go; `out` when not given. */
  readonly err?: TextOutput;
}

export function runConfigCheck(options: ConfigCheckOptions = {}): number {
  const env = options.env ?? process.env;
  const out = options.out ?? process.stdout;
  const err = options.err ?? options.out ?? process.stderr;

  const notes = unknownSlotwayVariables(env).map(
    ({ name, suggestion }) =>
      `# Note: ${name} is not a Slotway setting${suggestion === undefined ? '' : `; did you mean ${suggestion}?`}\n`,
  );

  let loaded: LoadedConfig;
  try {
    loaded = loadConfig({
      env,
      ...(options.file === undefined ? {} : { file: options.file }),
      ...(options.flags === undefined ? {} : { flags: options.flags }),
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err.write(notes.join(''));
    if (error instanceof ConfigValidationError) {
      const count = error.issues.length;
      err.write(`Slotway configuration is invalid (${count} ${count === 1 ? 'error' : 'errors'}):\n`);
      err.write(`${indent(formatConfigErrors(error.issues))}\n`);
    } else {
      err.write(`Slotway configuration error: ${error.message}\n`);
    }
    return 1;
  }

  const { config, file } = loaded;
  const origins = new Map<string, ConfigSource>(Object.entries(loaded.sources));
  const provenance = leafPaths(config)
    .map((path) => ({ path: formatPath(path), source: originOf(origins, path) }))
    .filter(({ source }) => source !== 'default');
  const width = Math.max(0, ...provenance.map(({ path }) => path.length));

  out.write('# Slotway effective configuration (secrets masked as ***)\n');
  out.write(`# Config file: ${file ?? 'none'}\n`);
  out.write(notes.join(''));
  out.write(stringify(maskSecrets(config)));
  if (provenance.length === 0) {
    out.write('# Every value is a default.\n');
  } else {
    out.write('# Values that are not defaults, and where they came from:\n');
    for (const { path, source } of provenance) {
      out.write(`#   ${path.padEnd(width)}  ${describeSource(source, file)}\n`);
    }
  }
  return 0;
}

/** Adds `config check` and `config reference` to the CLI. */
export function registerConfigCommand(program: Command): Command {
  const config = program.command('config').description('inspect the Slotway configuration');
  const check = config
    .command('check')
    .description('print the effective configuration with the source of each value, or every error');
  addConfigFlags(check).action((flags: CliFlags) => {
    process.exitCode = runConfigCheck({ flags });
  });
  config
    .command('reference')
    .description('print the configuration reference (Markdown), as in docs/configuration.md')
    .action(() => {
      process.stdout.write(renderConfigReference());
    });
  return config;
}

function indent(lines: string): string {
  return lines
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
