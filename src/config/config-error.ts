// Errors a user gets when Slotway cannot build its configuration. `ConfigError` is any such failure
// (an unreadable file, a malformed endpoint); `ConfigValidationError` carries every problem found at
// once, each naming the key, the bad value, where that value came from and what is allowed.

/** Where a setting's value came from, in precedence order: default < file < env < flag. */
export type ConfigSource = 'default' | 'file' | `env:${string}` | `flag:--${string}`;

export interface ConfigIssue {
  /** Setting path as written in a config file: `backend.connectionsPerNode`, `auth.users[0].name`. */
  readonly path: string;
  /** The rejected value (secrets already masked); `undefined` when the setting is missing. */
  readonly value: unknown;
  /** What is allowed, phrased to follow "<path> = <value>: ". */
  readonly message: string;
  readonly source: ConfigSource;
  /** The config file, when `source` is `file`. */
  readonly file?: string;
}

/** A problem with the setting at `path`, before it is attributed to the source that supplied it. */
export interface SettingProblem {
  readonly path: readonly PropertyKey[];
  readonly value: unknown;
  readonly message: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export class ConfigValidationError extends ConfigError {
  override name = 'ConfigValidationError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      `invalid configuration (${issues.length} ${issues.length === 1 ? 'error' : 'errors'}):\n${formatConfigErrors(issues)}`,
    );
  }
}

/**
 * One line per issue, e.g.
 * `backend.connectionsPerNode = 0 (from env SLOTWAY_BACKEND_CONNECTIONS_PER_NODE): must be an integer from 1 to 64`.
 */
export function formatConfigErrors(issues: readonly ConfigIssue[]): string {
  return issues.map(formatConfigIssue).join('\n');
}

export function formatConfigIssue(issue: ConfigIssue): string {
  const subject =
    issue.value === undefined ? `${issue.path} is missing` : `${issue.path} = ${formatValue(issue.value)}`;
  return `${subject} (from ${describeSource(issue.source, issue.file)}): ${issue.message}`;
}

/** `env:SLOTWAY_X` → `env SLOTWAY_X`, `file` → `file slotway.yaml`. */
export function describeSource(source: ConfigSource, file?: string): string {
  if (source === 'file') return file === undefined ? 'file' : `file ${file}`;
  if (source.startsWith('env:')) return `env ${source.slice(4)}`;
  if (source.startsWith('flag:')) return `flag ${source.slice(5)}`;
  return source;
}

const MAX_VALUE_TEXT = 80;

/** A value as the user would recognise it: strings quoted, long lists shortened. */
export function formatValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > MAX_VALUE_TEXT ? `${text.slice(0, MAX_VALUE_TEXT - 1)}…` : text;
}
