// The kinds of setting the schema is built from. Each one states what it allows exactly once: that
// text is both the error message ("must be an integer from 1 to 64") and, through the `allowed`
// metadata, the Type column of the generated reference, so the two cannot disagree.

import { z } from 'zod';
import { InvalidEndpointError, parseEndpoint } from './endpoint.js';

function rule(allowed: string): { error: string } {
  return { error: `must be ${allowed}` };
}

export function integer(min: number, max: number) {
  const allowed = `an integer from ${min} to ${max}`;
  return z.int(rule(allowed)).min(min, rule(allowed)).max(max, rule(allowed)).meta({ allowed });
}

export function oneOf<const Values extends readonly [string, ...string[]]>(values: Values) {
  const allowed = `one of: ${values.join(', ')}`;
  return z.enum(values, rule(allowed)).meta({ allowed });
}

export function flag() {
  const allowed = 'true or false';
  return z.boolean(rule(allowed)).meta({ allowed });
}

export function text() {
  const allowed = 'a non-empty string';
  return z.string(rule(allowed)).min(1, rule(allowed)).meta({ allowed });
}

export function secretToken(minLength: number) {
  const allowed = `a string of at least ${minLength} characters`;
  return z
    .string(rule(allowed))
    .min(minLength, { error: `must be ${allowed} (generate one with: openssl rand -hex 24)` })
    .meta({ allowed });
}

export function list<Item extends z.ZodType>(item: Item, itemsAre: string) {
  const allowed = `a list of ${itemsAre}`;
  return z.array(item, rule(allowed)).meta({ allowed });
}

export function section<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  // Strict: a misspelt key in a config file is an error, not a setting silently ignored.
  return z.strictObject(shape, rule('a mapping of settings (key: value)'));
}

/** A backend node or server address, checked with the same parser the backend uses. */
export function endpoint() {
  const allowed = 'HOST:PORT, [IPv6]:PORT or a redis://, rediss://, valkey:// or valkeys:// URL';
  return z
    .string(rule(allowed))
    .superRefine((value, context) => {
      try {
        parseEndpoint(value);
      } catch (error) {
        if (!(error instanceof InvalidEndpointError)) throw error;
        context.addIssue({ code: 'custom', message: error.reason });
      }
    })
    .meta({ allowed });
}

/** A CORS origin: `*` or scheme://host[:port], exactly as browsers send it in the Origin header. */
export function corsOrigin() {
  const allowed = '"*" or an origin such as https://app.example.com';
  return z
    .string(rule(allowed))
    .regex(/^(\*|https?:\/\/[^/\s]+)$/, rule(allowed))
    .meta({ allowed });
}
