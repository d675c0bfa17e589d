// Summarises a V8 .cpuprofile (from `node --cpu-prof`, used by `slotway bench --profile` on the gateway
// process): the functions with the most self time and the most total time, so a report can say where
// the gateway's CPU goes without opening a profiler UI.

import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileEntry {
  name: string;
  location: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  /** Sampled time excluding (idle), in ms. */
  busyMs: number;
  idleMs: number;
  self: ProfileEntry[];
  total: ProfileEntry[];
  /** Self time per source file. */
  files: ProfileEntry[];
}

const IDLE = '(idle)';

function keyOf(node: ProfileNode): { key: string; name: string; location: string } {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  const file = url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/slotway-bench\/gateway-[^/]+\//, 'src/')
    .replace(/^.*\/(src|node_modules)\//, '$1/');
  // Code loaded through tsx reports line 0 for every function; a file name is all there is then.
  const location = file && lineNumber > 0 ? `${file}:${lineNumber + 1}` : file;
  return { key: `${name}@${location}`, name, location };
}

export function summarizeProfile(path: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const self = new Map<string, ProfileEntry>();
  const total = new Map<string, ProfileEntry>();
  const files = new Map<string, ProfileEntry>();
  let busyUs = 0;
  let idleUs = 0;
  const add = (map: Map<string, ProfileEntry>, key: string, name: string, location: string, us: number) => {
    const entry = map.get(key);
    if (entry) entry.ms += us / 1000;
    else map.set(key, { name, location, ms: us / 1000, percent: 0 });
  };
  for (let i = 0; i < samples.length; i++) {
    // The time until the next sample is the time this sample stands for.
    const us = deltas[i + 1] ?? 0;
    const node = byId.get(samples[i]!);
    if (!node) continue;
    const own = keyOf(node);
    if (own.name === IDLE) {
      idleUs += us;
      continue;
    }
    busyUs += us;
    add(self, own.key, own.name, own.location, us);
    const file = own.location.replace(/:\d+$/, '') || own.name;
    add(files, file, file, '', us);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const k = keyOf(byId.get(id)!);
      if (k.name === '(root)' || seen.has(k.key)) continue;
      seen.add(k.key);
      add(total, k.key, k.name, k.location, us);
    }
  }
  const rank = (map: Map<string, ProfileEntry>) =>
    [...map.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((e) => ({ ...e, percent: busyUs > 0 ? (e.ms * 1000 * 100) / busyUs : 0 }));
  return {
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    self: rank(self),
    total: rank(total),
    files: rank(files),
  };
}

export function renderProfile(summary: ProfileSummary, title: string): string {
  const rows = (entries: ProfileEntry[]) =>
    entries.map((e) => `| ${e.percent.toFixed(1)} % | ${e.ms.toFixed(0)} | \`${e.name}\` | ${e.location} |`);
  const head = ['| share of busy | ms | function | where |', '| ---: | ---: | --- | --- |'];
  return [
    `# ${title}`,
    '',
    `Busy ${(summary.busyMs / 1000).toFixed(1)} s, idle ${(summary.idleMs / 1000).toFixed(1)} s. ` +
      'Native functions (no location) include the system calls they make; `src/*.js` lines are those of ' +
      'the transpiled JavaScript the bench ran.',
    '',
    '## Self time',
    '',
    ...head,
    ...rows(summary.self),
    '',
    '## Total time (including callees)',
    '',
    ...head,
    ...rows(summary.total),
    '',
    '## Self time by file',
    '',
    '| share of busy | ms | file |',
    '| ---: | ---: | --- |',
    ...summary.files.map((e) => `| ${e.percent.toFixed(1)} % | ${e.ms.toFixed(0)} | ${e.name} |`),
    '',
  ].join('\n');
}
