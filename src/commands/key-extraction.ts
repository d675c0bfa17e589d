// Finds the key arguments of a command from its key specs, following Redis's own algorithm
// (getKeysUsingKeySpecs): begin-search by index or keyword, then a range or a key count. Works on
// argument Buffers; returns argument indexes so callers can hash or rewrite keys in place.

import type { CommandSpec, KeySpec } from './command-spec.js';

/** Argument indexes of the keys of `args` per the command's key specs, in argument order. */
export function keyIndexes(spec: CommandSpec, args: readonly Buffer[]): number[] {
  const specs = spec.keySpecs;
  if (specs.length === 1) return keysOfSpec(specs[0]!, args, []);
  const out: number[] = [];
  for (const ks of specs) keysOfSpec(ks, args, out);
  if (specs.length > 1) {
    out.sort((a, b) => a - b);
    for (let i = out.length - 1; i > 0; i--) if (out[i] === out[i - 1]) out.splice(i, 1);
  }
  return out;
}

function keysOfSpec(ks: KeySpec, args: readonly Buffer[], out: number[]): number[] {
  const argc = args.length;
  let first = 0;
  const begin = ks.begin;
  if (begin.kind === 'index') {
    first = begin.index;
  } else if (begin.kind === 'keyword') {
    const start = begin.startFrom > 0 ? begin.startFrom : argc + begin.startFrom;
    const end = begin.startFrom > 0 ? argc - 1 : 1;
    const step = begin.startFrom > 0 ? 1 : -1;
    const keyword = begin.keyword.toLowerCase();
    for (let i = start; i !== end + step; i += step) {
      if (i >= argc || i < 1) break;
      if (args[i]!.length === keyword.length && args[i]!.toString('latin1').toLowerCase() === keyword) {
        first = i + 1;
        break;
      }
    }
    if (first === 0) return out;
  } else {
    return out;
  }
  if (first >= argc) return out;
  const find = ks.find;
  let last: number;
  let step: number;
  if (find.kind === 'range') {
    if (find.lastKey >= 0) last = first + find.lastKey;
    else if (!find.limit) last = argc + find.lastKey;
    else last = first + Math.floor((argc - first) / find.limit) + find.lastKey;
    step = find.keyStep;
  } else if (find.kind === 'keynum') {
    const numIndex = first + find.keyNumIndex;
    if (numIndex >= argc) return out;
    const text = args[numIndex]!.toString('latin1');
    if (!/^\d+$/.test(text)) return out;
    const numKeys = Number(text);
    first += find.firstKey;
    step = find.keyStep;
    last = first + (numKeys - 1) * step;
  } else {
    return out;
  }
  if (step <= 0) return out;
  for (let i = first; i <= last && i < argc; i += step) out.push(i);
  return out;
}
