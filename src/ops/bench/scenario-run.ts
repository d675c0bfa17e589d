// One scenario on one endpoint in one round: splits the load over the generator processes, opens the
// idle clients a scenario asks for, runs the load, and reads what it cost the gateway and the servers
// (CPU, memory, system calls) from /proc over the same window.

import { AdminClient } from '../../backend/admin-client.js';
import type { LocalCluster } from '../local-cluster.js';
import type { IdleRecord, RunRecord } from './bench-results.js';
import { type ClusterLayout, primaryConnections } from './cluster-layout.js';
import type { GatewayProcess } from './gateway-process.js';
import type { GeneratorPool } from './generator-pool.js';
import type { LoadJob, LoadResult } from './generator-protocol.js';
import { LatencyHistogram } from './latency-histogram.js';
import type { Endpoint } from './load-client.js';
import { cpuTimeMs, memoryOf, processTree, syscallCounts } from './process-stats.js';
import type { Scenario } from './scenarios.js';
import { commandsPerRequest } from './workload.js';

export type BenchEndpoint =
  | { name: 'direct'; kind: 'cluster'; address: string }
  | { name: string; kind: 'gateway'; address: string; endpoint: Endpoint; gateway: GatewayProcess }
  | {
      name: string;
      kind: 'compare';
      address: string;
      endpoint: Endpoint;
      /** The proxy's processes when the bench started it (twemproxy), measured like the gateway's. */
      pids?: () => number[];
    };

const MB = 2 ** 20;

/** What every run of a bench shares. */
export interface RunContext {
  layout: ClusterLayout;
  pool: GeneratorPool;
  /** The local cluster, whose server processes are measured; null for an existing cluster. */
  local: LocalCluster | null;
  generators: number;
  warmupMs: number;
  durationMs: number;
  /** Overrides the scenarios' idle-client count. */
  idleClients: number | null;
  signal?: AbortSignal;
}

export function idleCount(scenario: Scenario, override: number | null): number | null {
  if (!scenario.idleClients) return null;
  return override ?? scenario.idleClients;
}

/** The scenario's connections and offered load split over the generator processes. */
export function splitJobs(
  scenario: Scenario,
  target: { endpoints: Endpoint[]; slotNodes: number[] | null },
  generators: number,
  timing: { warmupMs: number; durationMs: number },
): LoadJob[] {
  const jobs: LoadJob[] = [];
  const count = Math.min(generators, scenario.connections);
  for (let g = 0; g < count; g++) {
    const connections = Math.floor(scenario.connections / count) + (g < scenario.connections % count ? 1 : 0);
    jobs.push({
      endpoints: target.endpoints,
      slotNodes: target.slotNodes,
      workload: scenario.workload,
      connections,
      pipeline: scenario.pipeline,
      ratePerSec:
        scenario.ratePerSec === undefined ? null : (scenario.ratePerSec * connections) / scenario.connections,
      warmupMs: timing.warmupMs,
      durationMs: timing.durationMs,
      seed: g + 1,
    });
  }
  return jobs;
}

/** Runs `scenario` once on `endpoint`: idle clients if it has them, then the measured load. */
export async function runScenario(
  context: RunContext,
  scenario: Scenario,
  endpoint: BenchEndpoint,
  round: number,
): Promise<RunRecord> {
  const { layout, pool, local, signal } = context;
  const target =
    endpoint.kind === 'cluster'
      ? { endpoints: layout.primaries, slotNodes: layout.slotNodes }
      : { endpoints: [endpoint.endpoint], slotNodes: null };
  const jobs = splitJobs(scenario, target, context.generators, context);
  const gatewayPids =
    endpoint.kind === 'gateway'
      ? endpoint.gateway.pids()
      : endpoint.kind === 'compare'
        ? (endpoint.pids?.() ?? [])
        : [];
  const serverPids = local ? local.nodes.flatMap((n) => processTree(n.pid)) : [];
  const memory = () => (gatewayPids.length > 0 ? memoryOf(gatewayPids) : null);

  let idle: IdleRecord | undefined;
  const idleClients = idleCount(scenario, context.idleClients);
  if (idleClients) {
    if (endpoint.kind !== 'cluster') await primeGateway(endpoint.endpoint, scenario);
    const before = await primaryConnections(layout.primaries).catch(() => null);
    const memoryBefore = memory();
    const held = await pool.holdIdle(target.endpoints, idleClients, signal);
    idle = {
      requested: idleClients,
      opened: held.opened,
      failed: held.failed,
      primaryConnectionsBefore: before,
      primaryConnectionsWithIdle: await primaryConnections(layout.primaries).catch(() => null),
      gatewayRssBeforeMb: memoryBefore === null ? null : memoryBefore.rss / MB,
    };
  }

  let peak = memory();
  const sampler = setInterval(() => {
    const now = memory();
    if (now !== null && (peak === null || now.rss > peak.rss)) peak = now;
  }, 200);
  let gatewayCpuStart: number | null = null;
  let gatewayIoStart: ReturnType<typeof syscallCounts> = null;
  let serverCpuStart: number | null = null;
  let measuredFrom = 0;
  let results: LoadResult[];
  try {
    results = await pool.run(jobs, {
      signal,
      onMeasuring: () => {
        gatewayCpuStart = gatewayPids.length > 0 ? cpuTimeMs(gatewayPids) : null;
        gatewayIoStart = gatewayPids.length > 0 ? syscallCounts(gatewayPids) : null;
        serverCpuStart = serverPids.length > 0 ? cpuTimeMs(serverPids) : null;
        measuredFrom = performance.now();
      },
    });
  } finally {
    clearInterval(sampler);
  }
  const windowMs = performance.now() - measuredFrom;
  const gatewayCpuEnd = gatewayPids.length > 0 ? cpuTimeMs(gatewayPids) : null;
  const gatewayIoEnd = gatewayPids.length > 0 ? syscallCounts(gatewayPids) : null;
  const serverCpuEnd = serverPids.length > 0 ? cpuTimeMs(serverPids) : null;
  const memoryEnd = memory();
  if (idle) await pool.releaseIdle(signal);

  const histogram = new LatencyHistogram();
  let opsPerSec = 0;
  let generatorCpuCores = 0;
  let generatorCpuMaxProcess = 0;
  for (const r of results) {
    histogram.add(r.histogram);
    opsPerSec += r.completed / (r.elapsedMs / 1000);
    const cores = r.cpuMs / r.elapsedMs;
    generatorCpuCores += cores;
    generatorCpuMaxProcess = Math.max(generatorCpuMaxProcess, cores);
  }
  const cores = (start: number | null, end: number | null) =>
    start === null || end === null || windowMs <= 0 ? null : (end - start) / windowMs;
  return {
    round,
    endpoint: endpoint.name,
    opsPerSec,
    commandsPerSec: opsPerSec * commandsPerRequest(scenario.workload, endpoint.kind === 'cluster'),
    p50Ms: histogram.percentileMs(50),
    p90Ms: histogram.percentileMs(90),
    p99Ms: histogram.percentileMs(99),
    p999Ms: histogram.percentileMs(99.9),
    meanMs: histogram.meanMs(),
    maxMs: histogram.max / 1000,
    errors: results.reduce((n, r) => n + r.errors, 0),
    connectionErrors: results.reduce((n, r) => n + r.connectionErrors, 0),
    late: results.reduce((n, r) => n + r.late, 0),
    generatorCpuCores,
    generatorCpuMaxProcess,
    gatewayCpuCores: cores(gatewayCpuStart, gatewayCpuEnd),
    serverCpuCores: cores(serverCpuStart, serverCpuEnd),
    gatewayRssMb: memoryEnd === null ? null : memoryEnd.rss / MB,
    gatewayRssPeakMb: peak === null ? null : peak.rss / MB,
    gatewayAnonPeakMb: peak === null ? null : peak.anon / MB,
    ...perOp(gatewayIoStart, gatewayIoEnd, opsPerSec * (windowMs / 1000)),
    ...(idle ? { idle } : {}),
  };
}

/** The gateway's system calls per request over the measured window. */
function perOp(
  start: ReturnType<typeof syscallCounts>,
  end: ReturnType<typeof syscallCounts>,
  requests: number,
): { gatewayReadsPerOp: number | null; gatewayWritesPerOp: number | null } {
  if (!start || !end || requests <= 0) return { gatewayReadsPerOp: null, gatewayWritesPerOp: null };
  return {
    gatewayReadsPerOp: (end.reads - start.reads) / requests,
    gatewayWritesPerOp: (end.writes - start.writes) / requests,
  };
}

/** Sends a few reads through an endpoint so its backend connections exist before they are counted. */
async function primeGateway(endpoint: Endpoint, scenario: Scenario): Promise<void> {
  const client = await AdminClient.connect({ host: endpoint.host, port: endpoint.port });
  try {
    const prefix = scenario.preload?.keyPrefix ?? 'bench:prime:';
    await Promise.all(Array.from({ length: 64 }, (_, i) => client.call('GET', `${prefix}${i}`)));
  } finally {
    client.close();
  }
}

/** One progress line. */
export function describeRun(scenario: Scenario, r: RunRecord): string {
  const parts = [
    `[${scenario.id}] round ${r.round} ${r.endpoint.padEnd(10)}`,
    `${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(9)} ops/s`,
    `p50 ${r.p50Ms.toFixed(3)} ms`,
    `p99 ${r.p99Ms.toFixed(3)} ms`,
    `gen cpu ${r.generatorCpuCores.toFixed(2)}`,
  ];
  if (r.gatewayCpuCores !== null) parts.push(`gateway cpu ${r.gatewayCpuCores.toFixed(2)}`);
  if (r.serverCpuCores !== null) parts.push(`servers cpu ${r.serverCpuCores.toFixed(2)}`);
  if (r.gatewayWritesPerOp !== null && r.gatewayReadsPerOp !== null) {
    parts.push(
      `gateway syscalls/op r ${r.gatewayReadsPerOp.toFixed(2)} w ${r.gatewayWritesPerOp.toFixed(2)}`,
    );
  }
  if (r.gatewayRssPeakMb !== null) parts.push(`gateway rss ${r.gatewayRssPeakMb.toFixed(0)} MB`);
  if (r.errors + r.connectionErrors > 0) parts.push(`ERRORS ${r.errors + r.connectionErrors}`);
  return parts.join('  ');
}
