// Builds the effective configuration: defaults < file < environment < flags, merged and validated as
// a whole, so a user sees every problem at once, each with the source that supplied the bad value.

import {
  type ConfigIssue,
  type ConfigSource,
  ConfigValidationError,
  type SettingProblem,
} from './config-error.js';
import { checkSettingsAgree } from './cross-checks.js';
import { CONFIG_FILE_VARIABLE, type Environment, readEnvironment, readVariable } from './env-source.js';
import { readConfigFile } from './file-source.js';
import { type CliFlags, readFlags } from './flag-source.js';
import { maskValue } from './mask.js';
import { type SlotwayConfig, slotwayConfigSchema } from './schema.js';
import { describeSchemaIssues } from './schema-issues.js';
import { type ConfigLayer, EMPTY_LAYER, formatPath, mergeLayers, originOf } from './sources.js';

export type { ConfigIssue, ConfigSource } from './config-error.js';
export { ConfigError, ConfigValidationError, formatConfigErrors } from './config-error.js';

export interface LoadConfigOptions {
  /** Config file; when absent, `flags.config`, then the SLOTWAY_CONFIG variable. */
  readonly file?: string;
  readonly env?: Environment;
  readonly flags?: CliFlags;
}

export interface LoadedConfig {
  readonly config: SlotwayConfig;
  /** Where each setting given by the file, environment or flags came from; absent ones are defaults. */
  readonly sources: Readonly<Record<string, ConfigSource>>;
  /** The config file that was read, if any. */
  readonly file?: string;
}

/** @throws ConfigValidationError listing every invalid setting; ConfigError for an unreadable file. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const flags = options.flags ?? {};
  const file = options.file ?? flags.config ?? readVariable(env, CONFIG_FILE_VARIABLE);

  const fileLayer: ConfigLayer = file === undefined ? EMPTY_LAYER : readConfigFile(file);
  const merged = mergeLayers([fileLayer, readEnvironment(env), readFlags(flags)]);

  const attribute = (problem: SettingProblem): ConfigIssue => {
    const source = originOf(merged.origins, problem.path);
    return {
      path: formatPath(problem.path),
      value: maskValue(problem.path, problem.value),
      message: problem.message,
      source,
      ...(source === 'file' && file !== undefined ? { file } : {}),
    };
  };
  const readIssues = merged.issues.map((issue) => ({
    ...issue,
    value: maskValue(issue.path.split('.'), issue.value),
  }));

  const parsed = slotwayConfigSchema.safeParse(merged.values);
  if (!parsed.success) {
    const schemaIssues = describeSchemaIssues(parsed.error.issues, merged.values).map(attribute);
    throw new ConfigValidationError([...readIssues, ...schemaIssues]);
  }
  const issues = [...readIssues, ...checkSettingsAgree(parsed.data).map(attribute)];
  if (issues.length > 0) throw new ConfigValidationError(issues);

  return {
    config: parsed.data,
    sources: Object.fromEntries(merged.origins),
    ...(file === undefined ? {} : { file }),
  };
}
