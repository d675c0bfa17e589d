// `slotway bench`: the command-line face of bench-run.ts. Parses and checks the flags, turns Ctrl-C
// into a clean stop (a second Ctrl-C kills everything at once), prints progress on stderr and the
// results table on stdout.

import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { splitHostPort } from '../../topology/cluster-discovery.js';
import { type BenchOptions, type CompareEndpoint, runBench } from './bench-run.js';
import { selectScenarios, UnknownScenarioError, withRate } from './scenarios.js';

interface BenchFlags {
  scenarios: string;
  duration?: number;
  warmup?: number;
  rounds?: number;
  cluster?: string;
  primaries: number;
  standalone: boolean;
  compare: CompareEndpoint[];
  workers: number;
  generators: number;
  out?: string;
  quick: boolean;
  crossCheck: boolean;
  profile: boolean;
  idleClients?: number;
  rate?: number;
  gatewayEnv: Record<string, string>;
  gatewayRuntime: 'build' | 'tsx';
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export function registerBenchCommand(program: Command): Command {
  return program
    .command('bench')
    .description(
      'measure direct-to-cluster vs through Slotway (and --compare endpoints) side by side; writes results.json, results.md, chart.svg',
    )
    .option('--scenarios <list>', 'comma-separated scenarios: a,b,c,d,e,f,g or ids like d-fixed_key', 'all')
    .option(
      '--duration <seconds>',
      'measured time per scenario, endpoint and round (default 5)',
      positive(0.1, 3600),
    )
    .option('--warmup <seconds>', 'unmeasured warm-up before each run (default 1)', positive(0, 600))
    .option('--rounds <n>', 'rounds per scenario; the report quotes medians (default 3)', whole(1, 100))
    .option(
      '--cluster <nodes>',
      'benchmark this existing cluster (comma-separated seeds) instead of a local one',
    )
    .option('--primaries <n>', 'primaries of the local cluster', whole(1, 16), 3)
    .option(
      '--standalone',
      'one local standalone server instead of a cluster: direct, Slotway --standalone and, when nutcracker is installed, twemproxy in front of the same server',
      false,
    )
    .option(
      '--compare <name=host:port>',
      'another RESP endpoint (e.g. another proxy) to measure alongside; repeatable',
      collectCompare,
      [] as CompareEndpoint[],
    )
    .option(
      '--workers <n>',
      'also measure a gateway started with --workers N next to the 1-worker one',
      whole(1, 64),
      os.availableParallelism(),
    )
    .option('--generators <n>', 'load-generator processes', whole(1, 64), 2)
    .option('--out <dir>', 'output directory (default bench-results/<timestamp>)')
    .option(
      '--quick',
      'every scenario ~1 s, one round, no cross-check (a smoke test, not a measurement)',
      false,
    )
    .option('--no-cross-check', 'skip the redis-benchmark cross-check of the GET/SET scenarios')
    .option(
      '--profile',
      'run the 1-worker gateway under node --cpu-prof and summarise where its CPU goes',
      false,
    )
    .option('--idle-clients <n>', 'idle clients of scenario g (default 10000)', whole(1, 100_000))
    .option('--rate <ops/s>', 'offered load of scenario f (default 20000)', whole(100, 10_000_000))
    .option(
      '--gateway-env <KEY=VALUE>',
      'extra SLOTWAY_* setting (or NODE_OPTIONS) for the gateways; repeatable',
      collectEnv,
      {},
    )
    .addOption(
      new Option(
        '--gateway-runtime <how>',
        'from a source checkout: build = transpile src first and run JavaScript, like production; tsx = run the sources through tsx',
      )
        .choices(['build', 'tsx'])
        .default('build'),
    )
    .action(async (flags: BenchFlags, command: Command) => {
      await runBenchCommand(flags, command);
    });
}

async function runBenchCommand(flags: BenchFlags, command: Command): Promise<void> {
  let scenarios: BenchOptions['scenarios'];
  try {
    scenarios = selectScenarios(flags.scenarios).map((s) => (flags.rate ? withRate(s, flags.rate) : s));
  } catch (err) {
    if (err instanceof UnknownScenarioError) command.error(`slotway bench: ${err.message}`, { exitCode: 2 });
    throw err;
  }
  if (flags.standalone && flags.cluster) {
    command.error('slotway bench: --standalone starts its own server; it cannot be combined with --cluster', {
      exitCode: 2,
    });
  }
  const quick = flags.quick;
  const outDir = flags.out ?? join('bench-results', new Date().toISOString().replace(/[:.]/g, '-'));
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) {
      process.stderr.write(`${signal} again: killing everything now\n`);
      process.exit(130);
    }
    process.stderr.write(`\n${signal}: stopping the bench, the gateway and the cluster…\n`);
    abort.abort(new BenchInterrupted(signal));
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  const options: BenchOptions = {
    scenarios,
    durationMs: (flags.duration ?? (quick ? 1 : 5)) * 1000,
    warmupMs: (flags.warmup ?? (quick ? 0.3 : 1)) * 1000,
    rounds: flags.rounds ?? (quick ? 1 : 3),
    cluster: flags.cluster ? flags.cluster.split(',').map((s) => s.trim()) : null,
    primaries: flags.primaries,
    standalone: flags.standalone,
    compare: flags.compare,
    workers: flags.workers,
    generators: flags.generators,
    outDir,
    crossCheck: flags.crossCheck && !quick,
    profile: flags.profile,
    idleClients: flags.idleClients ?? (quick ? 2000 : null),
    gatewayEnv: flags.gatewayEnv,
    gatewayRuntime: flags.gatewayRuntime,
    quick,
    command: `slotway ${commandLine()}`,
    signal: abort.signal,
    log: (line) => process.stderr.write(`${line}\n`),
  };
  try {
    const { files } = await runBench(options);
    const md = files.find((f) => f.endsWith('results.md'));
    if (md) process.stdout.write(await readFile(md, 'utf8'));
    process.stdout.write(`\nwritten: ${files.join(', ')}\n`);
  } catch (err) {
    if (abort.signal.aborted) {
      process.stderr.write('interrupted; everything the bench started was stopped\n');
      process.exitCode = 130;
      return;
    }
    command.error(`slotway bench: ${err instanceof Error ? err.message : String(err)}`, { exitCode: 1 });
  } finally {
    for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
  }
}

class BenchInterrupted extends Error {
  override readonly name = 'BenchInterrupted';
  constructor(signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

/** The arguments from `bench` on, for the report. */
function commandLine(): string {
  const args = process.argv.slice(2);
  const at = args.indexOf('bench');
  return (at >= 0 ? args.slice(at) : ['bench', ...args]).join(' ');
}

function whole(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(`It must be a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

function positive(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`It must be a number of seconds from ${min} to ${max}.`);
    }
    return n;
  };
}

function collectCompare(value: string, previous: CompareEndpoint[]): CompareEndpoint[] {
  const eq = value.indexOf('=');
  const name = eq > 0 ? value.slice(0, eq) : '';
  if (!/^[A-Za-z][\w.-]*$/.test(name) || name === 'direct' || name.startsWith('slotway')) {
    throw new InvalidArgumentError(
      'It must be NAME=HOST:PORT with a name of letters, digits, . _ - (not direct or slotway*), e.g. envoy=127.0.0.1:6390.',
    );
  }
  const { host, port } = splitHostPort(value.slice(eq + 1), Number.NaN);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new InvalidArgumentError('It must be NAME=HOST:PORT with a port from 1 to 65535.');
  }
  if (previous.some((c) => c.name === name))
    throw new InvalidArgumentError(`The name ${name} is used twice.`);
  return [...previous, { name, host, port }];
}

function collectEnv(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  const key = eq > 0 ? value.slice(0, eq) : '';
  if (!/^SLOTWAY_[A-Z0-9_]+$/.test(key) && key !== 'NODE_OPTIONS') {
    throw new InvalidArgumentError(
      'It must be SLOTWAY_NAME=value or NODE_OPTIONS=..., e.g. SLOTWAY_BACKEND_CONNECTIONS_PER_NODE=4.',
    );
  }
  return { ...previous, [key]: value.slice(eq + 1) };
}
