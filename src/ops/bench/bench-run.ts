// One `slotway bench` run: starts (or finds) the cluster, or one standalone server with twemproxy in
// front of it when nutcracker is installed, starts the gateway(s) as child processes,
// preloads data, runs every scenario on every endpoint round by round with the same load
// generator, and writes results.json, results.md and chart.svg. Whatever it started is stopped on
// the way out, also when it fails or is aborted.

import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../observability/logger.js';
import { type LocalCluster, startLocalCluster, startStandaloneServer } from '../local-cluster.js';
import {
  type BenchResults,
  type CrossCheckRow,
  generatorCheck,
  judge,
  type RunRecord,
  type ScenarioResult,
  summarizeEndpoints,
} from './bench-results.js';
import { readClusterLayout, readStandaloneLayout } from './cluster-layout.js';
import { renderProfile, summarizeProfile } from './cpu-profile.js';
import { type GatewayLaunch, prepareGatewayLaunch } from './gateway-build.js';
import { GatewayProcess, pingOk } from './gateway-process.js';
import { GeneratorPool } from './generator-pool.js';
import { preload } from './preload.js';
import { crossCheck, redisBenchmarkAvailable } from './redis-benchmark-check.js';
import { renderChart } from './report-chart.js';
import { renderMarkdown } from './report-markdown.js';
import { type BenchEndpoint, describeRun, idleCount, type RunContext, runScenario } from './scenario-run.js';
import type { PreloadSpec, Scenario } from './scenarios.js';
import { findTwemproxy, TwemproxyProcess } from './twemproxy-process.js';

export interface CompareEndpoint {
  name: string;
  host: string;
  port: number;
}

export interface BenchOptions {
  scenarios: Scenario[];
  durationMs: number;
  warmupMs: number;
  rounds: number;
  /** Seeds of an existing cluster; null starts a local one. */
  cluster: string[] | null;
  /** Primaries of the local cluster. */
  primaries: number;
  /**
   * One local standalone server instead of a cluster: Slotway runs with `--standalone`, and
   * twemproxy (nutcracker) is measured in front of the same server when it is installed.
   */
  standalone: boolean;
  compare: CompareEndpoint[];
  /** > 1 adds a second gateway started with `--workers N`. */
  workers: number;
  generators: number;
  outDir: string;
  crossCheck: boolean;
  /** Runs the (single-worker) gateway under `node --cpu-prof` and summarises the profile. */
  profile: boolean;
  /** Overrides the idle-client count of scenarios that have one. */
  idleClients: number | null;
  /** Extra SLOTWAY_* (or NODE_OPTIONS) environment for the gateway processes. */
  gatewayEnv: Record<string, string>;
  /** From a source checkout: transpile the gateway first (like production) or run it through tsx. */
  gatewayRuntime: 'build' | 'tsx';
  quick: boolean;
  /** The command line, for the report. */
  command: string;
  signal?: AbortSignal;
  log: (line: string) => void;
}

export interface BenchOutcome {
  results: BenchResults;
  files: string[];
}

/** Runs the whole bench and writes its reports; stops everything it started, whatever happens. */
export async function runBench(options: BenchOptions): Promise<BenchOutcome> {
  const { signal, log } = options;
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg();
  let local: LocalCluster | null = null;
  const gateways: GatewayProcess[] = [];
  let pool: GeneratorPool | null = null;
  let launch: GatewayLaunch | null = null;
  let twemproxy: TwemproxyProcess | null = null;
  const notes: string[] = [];
  try {
    await mkdir(options.outDir, { recursive: true });
    let seeds: string[];
    if (options.standalone) {
      log('starting a local standalone server…');
      // Scenario g holds 10,000 idle clients on this one server when measured direct: above Redis's
      // default maxclients (10000). Redis lowers this to what the descriptor limit allows.
      local = await startStandaloneServer({
        logger: silentLogger,
        signal,
        extraArgs: ['--maxclients', '50000'],
      });
      seeds = [...local.seeds];
    } else if (options.cluster) {
      seeds = options.cluster;
      notes.push(`existing cluster ${seeds.join(',')}: bench:* keys were written to it`);
    } else {
      log(`starting a local cluster of ${options.primaries} primaries (no replicas)…`);
      local = await startLocalCluster({
        primaries: options.primaries,
        replicas: 0,
        logger: silentLogger,
        signal,
      });
      seeds = [...local.seeds];
    }
    const layout = options.standalone
      ? await readStandaloneLayout(seeds[0]!)
      : await readClusterLayout(seeds);
    const maxIdle = Math.max(0, ...options.scenarios.map((s) => idleCount(s, options.idleClients) ?? 0));
    const gatewayEnv = {
      SLOTWAY_LISTEN_MAX_CLIENTS: String(Math.max(10_000, maxIdle + 1000)),
      ...options.gatewayEnv,
    };
    const profileDir = join(options.outDir, 'profile');
    // A reused --out directory must not summarise an earlier run's profiles as this one's.
    if (options.profile) await rm(profileDir, { recursive: true, force: true });
    launch = await prepareGatewayLaunch(options.gatewayRuntime);
    if (launch.note) notes.push(launch.note);
    const endpoints: BenchEndpoint[] = [{ name: 'direct', kind: 'cluster', address: seeds.join(',') }];
    const variants = options.workers > 1 ? [1, options.workers] : [1];
    for (const workers of variants) {
      log(`starting the gateway (slotway start --workers ${workers}) in its own process…`);
      const gateway = await GatewayProcess.start({
        script: launch.script,
        backend: options.standalone ? { standalone: `redis://${seeds[0]}` } : { cluster: seeds },
        workers,
        env: gatewayEnv,
        nodeArgs: options.profile && workers === 1 ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
      });
      gateways.push(gateway);
      endpoints.push({
        name: workers === 1 ? 'slotway' : `slotway-x${workers}`,
        kind: 'gateway',
        address: `127.0.0.1:${gateway.port} (--workers ${workers}, ${launch.runtime})`,
        endpoint: { host: '127.0.0.1', port: gateway.port },
        gateway,
      });
    }
    if (options.standalone) {
      const binary = findTwemproxy();
      if (binary) {
        log('starting twemproxy (nutcracker) in front of the same server…');
        twemproxy = await TwemproxyProcess.start(binary, layout.primaries[0]!);
        const proxy = twemproxy;
        endpoints.push({
          name: 'twemproxy',
          kind: 'compare',
          address: `127.0.0.1:${proxy.port} (${proxy.version}, C, 1 server connection)`,
          endpoint: { host: '127.0.0.1', port: proxy.port },
          pids: () => [proxy.pid],
        });
      } else {
        notes.push(
          'nutcracker not found: twemproxy not measured (install the Debian package nutcracker to add it)',
        );
      }
    }
    for (const c of options.compare) {
      if (!(await pingOk(c.port, c.host, 3000))) {
        throw new Error(`--compare ${c.name}=${c.host}:${c.port} does not answer PING`);
      }
      endpoints.push({
        name: c.name,
        kind: 'compare',
        address: `${c.host}:${c.port}`,
        endpoint: { host: c.host, port: c.port },
      });
    }
    signal?.throwIfAborted();

    pool = GeneratorPool.start(options.generators);
    const preloads = new Map<string, PreloadSpec>();
    for (const s of options.scenarios) if (s.preload) preloads.set(s.preload.keyPrefix, s.preload);
    for (const spec of preloads.values()) {
      log(`preloading ${spec.keys.toLocaleString('en-US')} keys of ${spec.valueBytes} B…`);
      await preload(layout, spec);
    }

    const perRun = options.warmupMs + options.durationMs + 1500;
    const total = options.scenarios.length * options.rounds * endpoints.length * perRun;
    log(
      `running ${options.scenarios.length} scenario(s) x ${options.rounds} round(s) x ${endpoints.length} endpoint(s): about ${Math.ceil(total / 60_000)} min`,
    );
    const context: RunContext = {
      layout,
      pool,
      local,
      generators: options.generators,
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
      idleClients: options.idleClients,
      signal,
    };
    const scenarioResults: ScenarioResult[] = [];
    for (const scenario of options.scenarios) {
      const runs: RunRecord[] = [];
      for (let round = 1; round <= options.rounds; round++) {
        // Rotate the order each round, so no endpoint always runs first (or right after preload).
        const shift = (round - 1) % endpoints.length;
        const order = [...endpoints.slice(shift), ...endpoints.slice(0, shift)];
        for (const endpoint of order) {
          signal?.throwIfAborted();
          const record = await runScenario(context, scenario, endpoint, round);
          runs.push(record);
          log(describeRun(scenario, record));
        }
      }
      scenarioResults.push(assemble(scenario, runs, endpoints, options));
    }

    const crossRows: CrossCheckRow[] = [];
    if (options.crossCheck) {
      if (!redisBenchmarkAvailable()) notes.push('redis-benchmark not found: cross-check skipped');
      else {
        for (const s of scenarioResults) {
          const scenario = options.scenarios.find((x) => x.id === s.id)!;
          if (scenario.workload.kind !== 'get-set' || scenario.ratePerSec || scenario.idleClients) continue;
          for (const e of endpoints) {
            const summary = s.endpoints.find((x) => x.endpoint === e.name)!;
            log(`cross-check ${scenario.id} on ${e.name} with redis-benchmark…`);
            const address = e.kind === 'cluster' ? layout.primaries[0]! : e.endpoint;
            crossRows.push(
              ...(await crossCheck(
                scenario,
                {
                  endpoint: e.name,
                  address,
                  cluster: e.kind === 'cluster' && !options.standalone,
                  opsPerSec: summary.opsPerSec,
                },
                options.durationMs,
                signal,
              )),
            );
          }
        }
      }
    }

    for (const s of scenarioResults) {
      if (s.generatorCheck.directFastest === false) notes.push(`${s.id}: ${s.generatorCheck.note}`);
      for (const e of s.endpoints) {
        if (e.errors > 0)
          notes.push(`${s.id} on ${e.endpoint}: ${e.errors} error replies or failed connections`);
        if (e.late > 0)
          notes.push(
            `${s.id} on ${e.endpoint}: ${e.late} requests of the fixed load could not be sent on time`,
          );
      }
    }
    if (options.standalone)
      notes.push(
        '--standalone: direct is one redis-server, which every endpoint shares; the targets are set for a cluster and are not judged here',
      );
    if (options.quick) notes.push('--quick: one short round per scenario; numbers are indicative only');
    if (options.workers <= 1)
      notes.push('gateway measured with --workers 1 only (use --workers N to add N workers)');

    // Profiles are written when the gateway exits.
    for (const g of gateways.splice(0)) await g.stop();
    const files: string[] = [];
    if (options.profile) files.push(...(await writeProfileSummary(profileDir, options.outDir)));

    const results: BenchResults = {
      version: 1,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      command: options.command,
      machine: {
        cpus: os.availableParallelism(),
        cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        platform: `${os.platform()} ${os.release()}`,
        node: process.version,
        server: layout.serverVersion,
        loadAverageAtStart,
        loadAverageAtEnd: os.loadavg(),
      },
      settings: {
        durationMs: options.durationMs,
        warmupMs: options.warmupMs,
        rounds: options.rounds,
        generators: options.generators,
        quick: options.quick,
        cluster: options.standalone
          ? `local standalone server (${seeds[0]})`
          : local
            ? `local, ${layout.primaries.length} primaries x 0 replicas (${seeds.join(',')})`
            : `existing, ${layout.primaries.length} primaries (${seeds.join(',')})`,
      },
      endpoints: endpoints.map((e) => ({
        name: e.name,
        kind: e.kind,
        address: e.address,
        ...(e.kind === 'gateway' ? { workers: e.gateway.workers } : {}),
      })),
      scenarios: scenarioResults,
      crossCheck: crossRows,
      notes,
    };
    const json = join(options.outDir, 'results.json');
    const md = join(options.outDir, 'results.md');
    const svg = join(options.outDir, 'chart.svg');
    await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(md, renderMarkdown(results));
    await writeFile(svg, renderChart(results));
    return { results, files: [json, md, svg, ...files] };
  } finally {
    pool?.stop();
    await Promise.allSettled(gateways.map((g) => g.stop()));
    await twemproxy?.stop().catch(() => {});
    await local?.stop().catch(() => {});
    await launch?.cleanup();
  }
}

/** Medians, ratios and verdicts of one scenario's runs. */
function assemble(
  scenario: Scenario,
  runs: RunRecord[],
  endpoints: readonly BenchEndpoint[],
  options: BenchOptions,
): ScenarioResult {
  const summaries = summarizeEndpoints(
    runs,
    endpoints.map((e) => e.name),
  );
  return {
    id: scenario.id,
    title: scenario.title,
    unit: scenario.unit,
    connections: scenario.connections,
    pipeline: scenario.pipeline,
    ratePerSec: scenario.ratePerSec ?? null,
    idleClients: idleCount(scenario, options.idleClients),
    target: scenario.target,
    runs,
    endpoints: summaries,
    // The targets are set for a cluster, where direct means several servers in parallel.
    verdicts: options.standalone
      ? []
      : endpoints.filter((e) => e.kind === 'gateway').map((e) => judge(scenario, summaries, runs, e.name)),
    generatorCheck: generatorCheck(scenario, summaries, runs),
  };
}

async function writeProfileSummary(profileDir: string, outDir: string): Promise<string[]> {
  const profiles = (await readdir(profileDir).catch(() => [] as string[])).filter((f) =>
    f.endsWith('.cpuprofile'),
  );
  const written: string[] = [];
  for (const [i, file] of profiles.entries()) {
    const summary = summarizeProfile(join(profileDir, file));
    const path = join(outDir, profiles.length === 1 ? 'profile-summary.md' : `profile-summary-${i + 1}.md`);
    await writeFile(path, renderProfile(summary, `Gateway CPU profile (${file})`));
    written.push(path);
  }
  return written;
}
