// A configuration source read into a layer: the values it sets (a partial config tree) and, for every
// leaf it sets, where that leaf came from, so an error or `config check` can name the file, env var
// or flag behind each value. Layers merge in precedence order: objects key by key, lists whole.

import type { ConfigIssue, ConfigSource } from './config-error.js';
import type { SettingPath } from './schema.js';

export type ConfigTree = { [key: string]: unknown };

export interface ConfigLayer {
  readonly values: ConfigTree;
  /** Formatted path of each leaf the layer sets → its source. */
  readonly origins: ReadonlyMap<string, ConfigSource>;
  /** Values the source could not even read (a bad boolean); the schema never sees them. */
  readonly issues: readonly ConfigIssue[];
}

export const EMPTY_LAYER: ConfigLayer = { values: {}, origins: new Map(), issues: [] };

/** Collects the settings of one source (environment, flags) one path at a time. */
export class LayerBuilder {
  private readonly values: ConfigTree = {};
  private readonly origins = new Map<string, ConfigSource>();
  private readonly issues: ConfigIssue[] = [];

  set(path: SettingPath, value: unknown, source: ConfigSource): void {
    const keys = path.split('.');
    const leaf = keys.pop()!;
    let node = this.values;
    for (const key of keys) {
      const child = node[key];
      node = isConfigTree(child) ? child : (node[key] = {});
    }
    node[leaf] = value;
    this.origins.set(path, source);
  }

  reject(path: SettingPath, value: unknown, message: string, source: ConfigSource): void {
    this.issues.push({ path, value, message, source });
  }

  build(): ConfigLayer {
    return { values: this.values, origins: this.origins, issues: this.issues };
  }
}

/** A layer for a whole parsed document (a config file): every leaf gets the same source. */
export function documentLayer(values: ConfigTree, source: ConfigSource): ConfigLayer {
  const origins = new Map<string, ConfigSource>();
  const visit = (node: unknown, path: PropertyKey[]): void => {
    if (isConfigTree(node) && (path.length === 0 || Object.keys(node).length > 0)) {
      for (const [key, child] of Object.entries(node)) visit(child, [...path, key]);
    } else {
      origins.set(formatPath(path), source);
    }
  };
  visit(values, []);
  return { values, origins, issues: [] };
}

/** Later layers win; objects merge key by key, lists and scalars are replaced. */
export function mergeLayers(layers: readonly ConfigLayer[]): ConfigLayer {
  let values: ConfigTree = {};
  const origins = new Map<string, ConfigSource>();
  const issues: ConfigIssue[] = [];
  for (const layer of layers) {
    values = mergeTrees(values, layer.values);
    for (const [path, source] of layer.origins) origins.set(path, source);
    issues.push(...layer.issues);
  }
  return { values, origins, issues };
}

function mergeTrees(base: ConfigTree, over: ConfigTree): ConfigTree {
  const merged: ConfigTree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key];
    merged[key] = isConfigTree(current) && isConfigTree(value) ? mergeTrees(current, value) : value;
  }
  return merged;
}

/**
 * Source of the value at `path`: its own origin, else the nearest parent's (a list set whole), else
 * a child's (an unknown section whose leaves came from the file).
 */
export function originOf(
  origins: ReadonlyMap<string, ConfigSource>,
  path: readonly PropertyKey[],
): ConfigSource {
  for (let length = path.length; length > 0; length--) {
    const source = origins.get(formatPath(path.slice(0, length)));
    if (source !== undefined) return source;
  }
  const prefix = formatPath(path);
  for (const [leaf, source] of origins) {
    if (leaf.startsWith(`${prefix}.`) || leaf.startsWith(`${prefix}[`)) return source;
  }
  return 'default';
}

/** `['auth', 'users', 0, 'name']` → `auth.users[0].name`, the way a config file spells it. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

export function valueAt(tree: unknown, path: readonly PropertyKey[]): unknown {
  let node = tree;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node;
}

/** Every leaf of a config in document order; lists count as one leaf. */
export function leafPaths(tree: unknown, path: PropertyKey[] = []): PropertyKey[][] {
  if (!isConfigTree(tree)) return [path];
  return Object.entries(tree).flatMap(([key, child]) => leafPaths(child, [...path, key]));
}

export function isConfigTree(value: unknown): value is ConfigTree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
