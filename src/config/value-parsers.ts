// Turns the text of an environment variable or a flag into a config value. Only the shape is decided
// here (number, boolean, list); ranges and allowed words stay the schema's job, so a bad value gets
// the same message whichever source it came from.

export type TextKind = 'string' | 'integer' | 'boolean' | 'list';

export type TextParse =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly message: string };

export const BOOLEAN_WORDS = ['true', 'false', '1', '0', 'yes', 'no'] as const;
/** What a boolean environment variable or flag accepts. */
export const BOOLEAN_RULE = `must be one of: ${BOOLEAN_WORDS.join(', ')}`;
const TRUE_WORDS: readonly string[] = ['true', '1', 'yes'];
const FALSE_WORDS: readonly string[] = ['false', '0', 'no'];

export function parseText(kind: TextKind, text: string): TextParse {
  switch (kind) {
    case 'string':
      return { ok: true, value: text };
    case 'integer':
      return { ok: true, value: parseInteger(text) };
    case 'list':
      return { ok: true, value: parseList(text) };
    case 'boolean': {
      const value = parseBoolean(text);
      return value === undefined ? { ok: false, message: BOOLEAN_RULE } : { ok: true, value };
    }
  }
}

/** A number, or the text unchanged so the schema reports it together with the allowed range. */
export function parseInteger(text: string): number | string {
  const trimmed = text.trim();
  return /^[+-]?\d+$/.test(trimmed) ? Number(trimmed) : text;
}

/** `true`/`false`, `1`/`0`, `yes`/`no` in any case; `undefined` for anything else. */
export function parseBoolean(text: string): boolean | undefined {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  return undefined;
}

/** Comma-separated items, blanks dropped: `a:1, b:2,` → ['a:1', 'b:2']. */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
