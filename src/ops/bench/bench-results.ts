// The shape of a bench run's results (what results.json holds) and how rounds become a verdict:
// medians per endpoint, the ratio to direct, and for each target whether Slotway met it or by how
// much it missed.

import type { Scenario, ScenarioTarget } from './scenarios.js';

/** One scenario on one endpoint in one round. */
export interface RunRecord {
  round: number;
  endpoint: string;
  /** Requests (the scenario's unit) per second. */
  opsPerSec: number;
  /** Redis commands per second (a direct MGET-10 request is 10 GETs). */
  commandsPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  meanMs: number;
  maxMs: number;
  errors: number;
  connectionErrors: number;
  /** Open loop only: requests due while every connection was busy (not sent). */
  late: number;
  /** CPU of all load-generator processes together, in cores (1 = one core busy). */
  generatorCpuCores: number;
  /** The busiest single generator process, in cores: near 1 would mean it was the bottleneck. */
  generatorCpuMaxProcess: number;
  gatewayCpuCores: number | null;
  serverCpuCores: number | null;
  gatewayRssMb: number | null;
  gatewayRssPeakMb: number | null;
  /** Private anonymous memory of the gateway at its RSS peak (no shared binary pages). */
  gatewayAnonPeakMb: number | null;
  /** read / write system calls the gateway made per request: how well it batches. */
  gatewayReadsPerOp: number | null;
  gatewayWritesPerOp: number | null;
  idle?: IdleRecord;
}

export interface IdleRecord {
  requested: number;
  opened: number;
  failed: number;
  /** Connections the primaries held before the idle clients connected, and with them connected. */
  primaryConnectionsBefore: number | null;
  primaryConnectionsWithIdle: number | null;
  gatewayRssBeforeMb: number | null;
}

export interface EndpointSummary {
  endpoint: string;
  opsPerSec: number;
  commandsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** opsPerSec / direct opsPerSec (medians). */
  ratio: number;
  /** Per-round ratios to the direct run of the same round. */
  roundRatios: number[];
  generatorCpuCores: number;
  generatorCpuMaxProcess: number;
  gatewayCpuCores: number | null;
  serverCpuCores: number | null;
  gatewayRssMb: number | null;
  gatewayWritesPerOp: number | null;
  errors: number;
  late: number;
}

export interface Verdict {
  endpoint: string;
  status: 'met' | 'missed' | 'none';
  /** The target in words, e.g. `>= 0.85 x direct`. */
  target: string;
  /** The outcome in words, including by how much a target was missed. */
  detail: string;
}

export interface ScenarioResult {
  id: string;
  title: string;
  unit: string;
  connections: number;
  pipeline: number;
  ratePerSec: number | null;
  idleClients: number | null;
  target: ScenarioTarget;
  runs: RunRecord[];
  endpoints: EndpointSummary[];
  verdicts: Verdict[];
  /** Evidence that the load generator was not the bottleneck. */
  generatorCheck: { directFastest: boolean | null; busiestProcessCores: number; note: string };
}

export interface CrossCheckRow {
  scenario: string;
  endpoint: string;
  test: string;
  requestsPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface BenchResults {
  version: 1;
  startedAt: string;
  finishedAt: string;
  command: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    platform: string;
    node: string;
    server: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  settings: {
    durationMs: number;
    warmupMs: number;
    rounds: number;
    generators: number;
    quick: boolean;
    cluster: string;
  };
  endpoints: Array<{
    name: string;
    kind: 'cluster' | 'gateway' | 'compare';
    address: string;
    workers?: number;
  }>;
  scenarios: ScenarioResult[];
  crossCheck: CrossCheckRow[];
  notes: string[];
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function medianOrNull(values: ReadonlyArray<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : median(present);
}

/** Medians of every endpoint's rounds, with ratios to the `direct` endpoint. */
export function summarizeEndpoints(
  runs: readonly RunRecord[],
  endpoints: readonly string[],
): EndpointSummary[] {
  const directRuns = runs.filter((r) => r.endpoint === 'direct');
  const directOps = median(directRuns.map((r) => r.opsPerSec));
  return endpoints.map((endpoint) => {
    const mine = runs.filter((r) => r.endpoint === endpoint);
    const ops = median(mine.map((r) => r.opsPerSec));
    return {
      endpoint,
      opsPerSec: ops,
      commandsPerSec: median(mine.map((r) => r.commandsPerSec)),
      p50Ms: median(mine.map((r) => r.p50Ms)),
      p99Ms: median(mine.map((r) => r.p99Ms)),
      ratio: ops / directOps,
      roundRatios: mine.map((r) => {
        const direct = directRuns.find((d) => d.round === r.round);
        return direct ? r.opsPerSec / direct.opsPerSec : Number.NaN;
      }),
      generatorCpuCores: median(mine.map((r) => r.generatorCpuCores)),
      generatorCpuMaxProcess: median(mine.map((r) => r.generatorCpuMaxProcess)),
      gatewayCpuCores: medianOrNull(mine.map((r) => r.gatewayCpuCores)),
      serverCpuCores: medianOrNull(mine.map((r) => r.serverCpuCores)),
      gatewayRssMb: medianOrNull(mine.map((r) => r.gatewayRssPeakMb)),
      gatewayWritesPerOp: medianOrNull(mine.map((r) => r.gatewayWritesPerOp)),
      errors: mine.reduce((n, r) => n + r.errors + r.connectionErrors, 0),
      late: mine.reduce((n, r) => n + r.late, 0),
    };
  });
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** Whether `endpoint` met the scenario's target, and by how much it missed. */
export function judge(
  scenario: Pick<Scenario, 'target'>,
  summaries: readonly EndpointSummary[],
  runs: readonly RunRecord[],
  endpoint: string,
): Verdict {
  const target = scenario.target;
  const mine = summaries.find((s) => s.endpoint === endpoint);
  const direct = summaries.find((s) => s.endpoint === 'direct');
  if (target.kind === 'none' || !mine || !direct) {
    return { endpoint, status: 'none', target: 'none', detail: mine ? `${fmt(mine.ratio)} x direct` : '' };
  }
  switch (target.kind) {
    case 'ratio': {
      const text = `>= ${target.min} x direct`;
      if (mine.ratio >= target.min) {
        return { endpoint, status: 'met', target: text, detail: `met (${fmt(mine.ratio)} x direct)` };
      }
      const needed = (target.min / mine.ratio - 1) * 100;
      return {
        endpoint,
        status: 'missed',
        target: text,
        detail: `missed by ${fmt(target.min - mine.ratio)} (${fmt(mine.ratio)} x direct; needs ${needed.toFixed(0)} % more throughput)`,
      };
    }
    case 'added-latency': {
      const text = `added p50 <= ${target.p50Ms} ms, p99 <= ${target.p99Ms} ms`;
      const addedP50 = mine.p50Ms - direct.p50Ms;
      const addedP99 = mine.p99Ms - direct.p99Ms;
      const misses: string[] = [];
      if (!(addedP50 <= target.p50Ms)) misses.push(`p50 by ${fmt(addedP50 - target.p50Ms, 3)} ms`);
      if (!(addedP99 <= target.p99Ms)) misses.push(`p99 by ${fmt(addedP99 - target.p99Ms, 3)} ms`);
      const added = `added p50 ${fmt(addedP50, 3)} ms, p99 ${fmt(addedP99, 3)} ms`;
      return misses.length === 0
        ? { endpoint, status: 'met', target: text, detail: `met (${added})` }
        : { endpoint, status: 'missed', target: text, detail: `missed ${misses.join(', ')} (${added})` };
    }
    case 'idle-clients': {
      const text = `RSS <= ${target.maxRssMb} MB; backend connections independent of clients`;
      const idle = runs.filter((r) => r.endpoint === endpoint && r.idle).map((r) => r.idle!);
      const rss = mine.gatewayRssMb;
      const before = medianOrNull(idle.map((i) => i.primaryConnectionsBefore));
      const withIdle = medianOrNull(idle.map((i) => i.primaryConnectionsWithIdle));
      const opened = median(idle.map((i) => i.opened));
      const misses: string[] = [];
      if (rss === null) misses.push('RSS not measurable on this system');
      else if (rss > target.maxRssMb) misses.push(`RSS by ${fmt(rss - target.maxRssMb, 0)} MB`);
      if (before !== null && withIdle !== null && withIdle > before) {
        misses.push(`backend connections grew by ${withIdle - before}`);
      }
      const detail =
        `RSS ${rss === null ? 'n/a' : `${fmt(rss, 0)} MB`} with ${fmt(opened, 0)} idle clients; ` +
        `backend connections ${before ?? '?'} -> ${withIdle ?? '?'}`;
      return misses.length === 0
        ? { endpoint, status: 'met', target: text, detail: `met (${detail})` }
        : { endpoint, status: 'missed', target: text, detail: `missed ${misses.join(', ')} (${detail})` };
    }
  }
}

/** Direct faster than every other endpoint, and how busy the busiest generator process was. */
export function generatorCheck(
  scenario: Pick<Scenario, 'ratePerSec'>,
  summaries: readonly EndpointSummary[],
  runs: readonly RunRecord[],
): ScenarioResult['generatorCheck'] {
  const busiest = Math.max(0, ...runs.map((r) => r.generatorCpuMaxProcess));
  const direct = summaries.find((s) => s.endpoint === 'direct');
  if (scenario.ratePerSec !== undefined || !direct) {
    return {
      directFastest: null,
      busiestProcessCores: busiest,
      note: `fixed offered load; busiest generator process at ${fmt(busiest)} cores`,
    };
  }
  const others = summaries.filter((s) => s.endpoint !== 'direct');
  const directFastest = others.every((s) => direct.opsPerSec > s.opsPerSec);
  const note = directFastest
    ? `the same generator drove direct harder than every other endpoint; busiest generator process at ${fmt(busiest)} cores`
    : `an endpoint was faster than direct; busiest generator process at ${fmt(busiest)} cores`;
  return { directFastest, busiestProcessCores: busiest, note };
}
