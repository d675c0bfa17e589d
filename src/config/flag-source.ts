// Reads settings from command-line flags, already parsed by the CLI into a plain object. The flag
// table below is shared: the same entries register the options on every command that loads the
// configuration, and document them in the reference.

import type { Command } from 'commander';
import type { SettingPath } from './schema.js';
import { type ConfigLayer, LayerBuilder } from './sources.js';
import { parseList, parseText, type TextKind } from './value-parsers.js';

/** Flag values as commander hands them over (camelCase keys); unknown keys are ignored. */
export interface CliFlags {
  readonly config?: string;
  readonly cluster?: string;
  readonly standalone?: string;
  readonly host?: string;
  readonly port?: string | number;
  readonly httpPort?: string | number;
  readonly adminPort?: string | number;
  readonly readFrom?: string;
  readonly workers?: string | number;
  readonly logLevel?: string;
  readonly password?: string;
}

type SettingFlagKey = Exclude<keyof CliFlags, 'config'>;

export interface ConfigFlag {
  readonly flag: `--${string}`;
  readonly key: SettingFlagKey;
  readonly argument: string;
  readonly description: string;
  /** The settings it sets, for the reference. */
  readonly sets: readonly SettingPath[];
  readonly apply: (text: string, layer: LayerBuilder) => void;
}

function settingFlag(
  flag: `--${string}`,
  key: SettingFlagKey,
  argument: string,
  path: SettingPath,
  kind: TextKind,
  description: string,
): ConfigFlag {
  return {
    flag,
    key,
    argument,
    description,
    sets: [path],
    apply(text, layer) {
      const parsed = parseText(kind, text);
      if (parsed.ok) layer.set(path, parsed.value, `flag:${flag}`);
      else layer.reject(path, text, parsed.message, `flag:${flag}`);
    },
  };
}

export const CONFIG_FLAGS: readonly ConfigFlag[] = [
  {
    flag: '--cluster',
    key: 'cluster',
    argument: 'nodes',
    description: 'cluster mode with these comma-separated seed nodes, e.g. 10.0.0.1:7000,10.0.0.2:7000',
    sets: ['backend.mode', 'backend.nodes'],
    apply(text, layer) {
      layer.set('backend.mode', 'cluster', 'flag:--cluster');
      layer.set('backend.nodes', parseList(text), 'flag:--cluster');
    },
  },
  {
    flag: '--standalone',
    key: 'standalone',
    argument: 'url',
    description: 'standalone mode against this one server, e.g. redis://localhost:6379',
    sets: ['backend.mode', 'backend.url'],
    apply(text, layer) {
      layer.set('backend.mode', 'standalone', 'flag:--standalone');
      layer.set('backend.url', text, 'flag:--standalone');
    },
  },
  settingFlag('--host', 'host', 'address', 'listen.host', 'string', 'address of the RESP listener'),
  settingFlag('--port', 'port', 'port', 'listen.port', 'integer', 'port of the RESP listener'),
  settingFlag('--http-port', 'httpPort', 'port', 'http.port', 'integer', 'port of the HTTP API'),
  settingFlag('--admin-port', 'adminPort', 'port', 'admin.port', 'integer', 'port of /metrics and /healthz'),
  settingFlag(
    '--read-from',
    'readFrom',
    'policy',
    'backend.readFrom',
    'string',
    'primary, replica or prefer-replica',
  ),
  settingFlag('--workers', 'workers', 'count', 'workers', 'integer', 'number of gateway processes'),
  settingFlag(
    '--log-level',
    'logLevel',
    'level',
    'log.level',
    'string',
    'log level: trace, debug, info, warn, error, fatal or silent',
  ),
  settingFlag(
    '--password',
    'password',
    'password',
    'auth.password',
    'string',
    'password clients must AUTH with',
  ),
];

export function readFlags(flags: CliFlags): ConfigLayer {
  const layer = new LayerBuilder();
  if (flags.cluster !== undefined && flags.standalone !== undefined) {
    const message = 'give only one of --cluster and --standalone';
    layer.reject('backend.mode', `--standalone ${flags.standalone}`, message, 'flag:--standalone');
  }
  for (const entry of CONFIG_FLAGS) {
    const value = flags[entry.key];
    if (value !== undefined) entry.apply(String(value), layer);
  }
  return layer.build();
}

/** Adds `--config FILE` and every setting flag to a command that loads the configuration. */
export function addConfigFlags(command: Command): Command {
  command.option('--config <file>', 'config file (.yaml, .yml or .json); overrides SLOTWAY_CONFIG');
  for (const entry of CONFIG_FLAGS) command.option(`${entry.flag} <${entry.argument}>`, entry.description);
  return command;
}
