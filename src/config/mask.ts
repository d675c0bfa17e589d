// Hides secrets before a configuration value is printed, logged or put in an error message.
// Masking is by shape, not by a list of fields: any key named like a secret and the password part of
// any URL, so a setting added later is covered without remembering to list it here.

export const MASK = '***';

const SECRET_KEYS: ReadonlySet<string> = new Set(['password', 'token']);

/** A deep copy of `config` with passwords, tokens and URL passwords replaced by `***`. */
export function maskSecrets<T>(config: T): T {
  return maskTree(config, undefined) as T;
}

/** Masks one value found at `path` (the last segment decides whether it is a secret). */
export function maskValue(path: readonly PropertyKey[], value: unknown): unknown {
  return maskTree(value, path.at(-1));
}

/** `redis://user:secret@host:6379` → `redis://user:***@host:6379`; other text is returned unchanged. */
export function maskUrlPassword(text: string): string {
  const schemeEnd = text.indexOf('://');
  if (schemeEnd < 0) return text;
  const authorityStart = schemeEnd + 3;
  // The last `@` ends the credentials: a password may hold an unencoded `@`, a host never does.
  const at = text.lastIndexOf('@');
  if (at < authorityStart) return text;
  const colon = text.indexOf(':', authorityStart);
  if (colon < 0 || colon > at) return text;
  return `${text.slice(0, colon + 1)}${MASK}${text.slice(at)}`;
}

function maskTree(value: unknown, key: PropertyKey | undefined): unknown {
  if (typeof key === 'string' && SECRET_KEYS.has(key) && value !== undefined && value !== null) return MASK;
  if (typeof value === 'string') return maskUrlPassword(value);
  if (Array.isArray(value)) return value.map((item) => maskTree(item, undefined));
  if (isPlainObject(value)) {
    const masked: Record<string, unknown> = {};
    for (const [childKey, child] of Object.entries(value)) masked[childKey] = maskTree(child, childKey);
    return masked;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
