// Turns the schema's findings into problems a user can act on: one per unknown key (with the keys
// allowed there and the likely intended one), and the schema's own "must be …" message for the rest.

import { z } from 'zod';
import type { SettingProblem } from './config-error.js';
import { closestName } from './did-you-mean.js';
import { slotwayConfigSchema } from './schema.js';
import { formatPath, valueAt } from './sources.js';

export function describeSchemaIssues(issues: readonly z.core.$ZodIssue[], input: unknown): SettingProblem[] {
  return issues.flatMap((issue): SettingProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const path = [...issue.path, key];
        return { path, value: valueAt(input, path), message: unknownKeyMessage(issue.path, key) };
      });
    }
    return [{ path: issue.path, value: valueAt(input, issue.path), message: issue.message }];
  });
}

function unknownKeyMessage(parent: readonly PropertyKey[], key: string): string {
  const allowed = settingKeysAt(parent);
  const suggestion = closestName(key, allowed);
  const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
  const where = parent.length === 0 ? 'at the top level' : `under ${formatPath(parent)}`;
  return `unknown key${hint}; allowed ${where}: ${allowed.join(', ')}`;
}

/** The keys a config file may use at `path` (list indexes pass through to the item's keys). */
export function settingKeysAt(path: readonly PropertyKey[]): string[] {
  let node: z.ZodType = slotwayConfigSchema;
  for (let depth = 0; depth <= path.length; depth++) {
    node = unwrap(node);
    if (depth === path.length) break;
    const segment = path[depth];
    if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else if (node instanceof z.ZodObject && typeof segment === 'string' && segment in node.shape) {
      node = node.shape[segment] as z.ZodType;
    } else return [];
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

function unwrap(node: z.ZodType): z.ZodType {
  while (node instanceof z.ZodDefault || node instanceof z.ZodPrefault || node instanceof z.ZodOptional) {
    node = node.unwrap() as z.ZodType;
  }
  return node;
}
