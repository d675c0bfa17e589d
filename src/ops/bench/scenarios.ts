// The scenarios `slotway bench` runs: what one request is, how many connections send it with how
// many requests outstanding, which data must exist first, and the target Slotway is held to.
// Scenario (d) is seed 002's rate-limit workload: each descriptor key is INCRBY + EXPIRE, pipelined.

/** What the load generator sends; each request is built from this by workload.ts. */
export type WorkloadSpec =
  | {
      /** GET or SET of one random key; `getsPerSet` GETs for every SET. */
      kind: 'get-set';
      keyPrefix: string;
      keys: number;
      valueBytes: number;
      getsPerSet: number;
    }
  | {
      /** MGET of `keysPerRequest` random keys through an endpoint; the same GETs pipelined direct. */
      kind: 'mget';
      keyPrefix: string;
      keys: number;
      keysPerRequest: number;
    }
  | {
      /** INCRBY key 1 + EXPIRE key N for each descriptor key of a request, all pipelined. */
      kind: 'rate-limit';
      keyPrefix: string;
      /** Keys every request shares (a hot key), 0 or more. */
      fixedKeys: number;
      /** Keys drawn at random from `keySpace` for each request. */
      variableKeys: number;
      keySpace: number;
      expireSeconds: number;
    };

/** Keys that must hold a value before a scenario runs, so its GETs read real data. */
export interface PreloadSpec {
  keyPrefix: string;
  keys: number;
  valueBytes: number;
}

export type ScenarioTarget =
  | { kind: 'none' }
  /** Slotway throughput / direct throughput must be at least `min`. */
  | { kind: 'ratio'; min: number }
  /** Slotway p50/p99 minus direct p50/p99 at the same offered load. */
  | { kind: 'added-latency'; p50Ms: number; p99Ms: number }
  /** Gateway RSS with many idle clients, and backend connections independent of client count. */
  | { kind: 'idle-clients'; maxRssMb: number };

export interface Scenario {
  id: string;
  /** The group it belongs to on the command line (`--scenarios d` selects every d-*). */
  group: string;
  title: string;
  /** What one counted operation is, for the report. */
  unit: string;
  workload: WorkloadSpec;
  connections: number;
  /** Requests each connection keeps outstanding. */
  pipeline: number;
  /** Open-loop offered load in requests per second (all generators together); closed loop when unset. */
  ratePerSec?: number;
  /** Connections opened and left idle while the busy ones run. */
  idleClients?: number;
  preload: PreloadSpec | null;
  target: ScenarioTarget;
}

const SMALL: PreloadSpec = { keyPrefix: 'bench:s:', keys: 100_000, valueBytes: 64 };
const LARGE: PreloadSpec = { keyPrefix: 'bench:l:', keys: 10_000, valueBytes: 16 * 1024 };

const getSet = (preload: PreloadSpec): WorkloadSpec => ({
  kind: 'get-set',
  keyPrefix: preload.keyPrefix,
  keys: preload.keys,
  valueBytes: preload.valueBytes,
  getsPerSet: 4,
});

const rateLimit = (name: string, fixedKeys: number, variableKeys: number): Scenario => ({
  id: `d-${name}`,
  group: 'd',
  title: `seed 002 ${name}: ${fixedKeys + variableKeys} x (INCRBY+EXPIRE) per request`,
  unit: 'rate-limit request',
  workload: {
    kind: 'rate-limit',
    keyPrefix: 'bench:rl:',
    fixedKeys,
    variableKeys,
    keySpace: 10_000,
    expireSeconds: 60,
  },
  connections: 50,
  pipeline: 1,
  preload: null,
  target: { kind: 'none' },
});

function fixedLoad(ratePerSec: number): Scenario {
  return {
    id: 'f',
    group: 'f',
    title: `GET/SET 4:1, 64 B values at a fixed ${ratePerSec.toLocaleString('en-US')} ops/s, 50 conns: added latency`,
    unit: 'command',
    workload: getSet(SMALL),
    connections: 50,
    pipeline: 1,
    ratePerSec,
    preload: SMALL,
    target: { kind: 'added-latency', p50Ms: 0.15, p99Ms: 1 },
  };
}

/** Scenario f at another offered load (`--rate`); other scenarios unchanged. */
export function withRate(scenario: Scenario, ratePerSec: number): Scenario {
  return scenario.id === 'f' ? fixedLoad(ratePerSec) : scenario;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'a',
    group: 'a',
    title: 'GET/SET 4:1, 64 B values, 100k keys, 50 conns, pipeline 1',
    unit: 'command',
    workload: getSet(SMALL),
    connections: 50,
    pipeline: 1,
    preload: SMALL,
    target: { kind: 'ratio', min: 0.85 },
  },
  {
    id: 'b',
    group: 'b',
    title: 'GET/SET 4:1, 64 B values, 100k keys, 50 conns, pipeline 16',
    unit: 'command',
    workload: getSet(SMALL),
    connections: 50,
    pipeline: 16,
    preload: SMALL,
    target: { kind: 'ratio', min: 0.7 },
  },
  {
    id: 'c',
    group: 'c',
    title: 'MGET of 10 random keys (cross-slot) vs the same 10 GETs pipelined direct, 50 conns',
    unit: 'MGET (10 keys)',
    workload: { kind: 'mget', keyPrefix: SMALL.keyPrefix, keys: SMALL.keys, keysPerRequest: 10 },
    connections: 50,
    pipeline: 1,
    preload: SMALL,
    target: { kind: 'ratio', min: 0.5 },
  },
  rateLimit('fixed_key', 1, 0),
  rateLimit('variable_key', 0, 1),
  rateLimit('mixed_2keys', 1, 1),
  rateLimit('mixed_10keys', 1, 9),
  {
    id: 'e',
    group: 'e',
    title: 'GET/SET 4:1, 16 KB values, 10k keys, 50 conns, pipeline 1',
    unit: 'command',
    workload: getSet(LARGE),
    connections: 50,
    pipeline: 1,
    preload: LARGE,
    target: { kind: 'none' },
  },
  fixedLoad(20_000),
  {
    id: 'g',
    group: 'g',
    title: '10,000 idle clients + 50 busy (GET/SET 4:1, pipeline 1): gateway RSS and throughput',
    unit: 'command',
    workload: getSet(SMALL),
    connections: 50,
    pipeline: 1,
    idleClients: 10_000,
    preload: SMALL,
    target: { kind: 'idle-clients', maxRssMb: 150 },
  },
];

export class UnknownScenarioError extends Error {
  override readonly name = 'UnknownScenarioError';
}

/**
 * The scenarios named in a comma-separated list of ids or groups (`a,c,d` or `d-fixed_key`), in
 * catalogue order; every scenario when the list is empty or `all`.
 */
export function selectScenarios(list: string | undefined): Scenario[] {
  const names = (list ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  if (names.length === 0 || names.includes('all')) return [...SCENARIOS];
  const wanted = new Set<string>();
  for (const name of names) {
    const matches = SCENARIOS.filter(
      (s) => s.id === name || s.group === name || s.id === `d-${name}` || s.id.endsWith(`-${name}`),
    );
    if (matches.length === 0) {
      const known = [...new Set(SCENARIOS.flatMap((s) => [s.group, s.id]))].join(', ');
      throw new UnknownScenarioError(`unknown scenario '${name}'; known: ${known}`);
    }
    for (const s of matches) wanted.add(s.id);
  }
  return SCENARIOS.filter((s) => wanted.has(s.id));
}
