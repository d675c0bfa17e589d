// `slotway dev`: a real local cluster (or one standalone server) in the foreground. The CLI wires
// the gateway in through a hook; Ctrl-C / SIGTERM runs the hook's cleanup, stops every server and
// removes the temp dir. Failures end in one line on stderr, never a stack trace.

import { type Command, InvalidArgumentError } from 'commander';
import { createLogger } from '../observability/logger.js';
import {
  type LocalCluster,
  type LocalNode,
  startLocalCluster,
  startStandaloneServer,
} from './local-cluster.js';
import { PortInUseError } from './local-cluster-ports.js';

export interface DevFlags {
  primaries: number;
  replicas: number;
  basePort: number;
  serverBin: string;
  nodeTimeout: number;
  standalone: boolean;
}

export interface DevHooks {
  /** Runs once the servers are ready (e.g. starts the gateway); returns its cleanup. */
  afterClusterReady?: (cluster: LocalCluster, flags: DevFlags) => Promise<() => Promise<void>>;
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export function registerDevCommand(program: Command, hooks: DevHooks = {}): Command {
  return program
    .command('dev')
    .description('run a local Redis Cluster (N primaries x R replicas) in the foreground; Ctrl-C stops it')
    .option('--primaries <n>', 'number of primaries', integerFlag(1, 100), 3)
    .option('--replicas <n>', 'replicas per primary', integerFlag(0, 10), 1)
    .option(
      '--base-port <port>',
      'first port; nodes use consecutive ports (bus: port+10000)',
      integerFlag(1, 65_535),
      7000,
    )
    .option('--server-bin <path>', 'server binary: redis-server, valkey-server or a path', 'redis-server')
    .option('--node-timeout <ms>', 'cluster-node-timeout in milliseconds', integerFlag(100, 3_600_000), 2000)
    .option('--standalone', 'one plain server instead of a cluster', false)
    .action(async (flags: DevFlags, command: Command) => {
      await runDev(flags, hooks, command);
    });
}

/** Commander argument parser for a bounded integer; its message ends up after "argument 'x' is invalid." */
function integerFlag(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`It must be a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

/** Signals closer together than this are one Ctrl-C delivered twice (see runDev). */
const DUPLICATE_SIGNAL_MS = 1000;

async function runDev(flags: DevFlags, hooks: DevHooks, command: Command): Promise<void> {
  const logger = createLogger({ level: 'warn', fd: 2 });
  const abort = new AbortController();
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  let firstSignalAt = 0;
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (signal) => {
      // Under `npm run dev`, one Ctrl-C arrives twice: from the terminal (to the whole process group)
      // and forwarded by npm. A repeat within a second is that same keypress, not impatience.
      if (abort.signal.aborted && Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
      if (abort.signal.aborted) {
        // Second Ctrl-C: no more patience. Exiting runs the harness's reaper, which SIGKILLs
        // every server and removes the temp dir synchronously.
        process.stderr.write(`${signal} again: killing every server now\n`);
        process.exit(130);
      }
      firstSignalAt = Date.now();
      abort.abort(new Error(`interrupted by ${signal}`));
      resolve(signal);
    };
  });
  for (const s of STOP_SIGNALS) process.on(s, onSignal);

  let cluster: LocalCluster;
  try {
    const common = { basePort: flags.basePort, serverBin: flags.serverBin, logger, signal: abort.signal };
    cluster = flags.standalone
      ? await startStandaloneServer(common)
      : await startLocalCluster({
          ...common,
          primaries: flags.primaries,
          replicas: flags.replicas,
          nodeTimeoutMs: flags.nodeTimeout,
        });
  } catch (err) {
    if (abort.signal.aborted) {
      process.stdout.write('interrupted during start-up; everything started was stopped\n');
      process.exit(0);
    }
    for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
    return command.error(`slotway dev: ${startFailure(err)}`, { exitCode: 1, code: 'slotway.dev.start' });
  }

  let cleanup: () => Promise<void> = async () => {};
  if (hooks.afterClusterReady) {
    try {
      cleanup = await hooks.afterClusterReady(cluster, flags);
    } catch (err) {
      await cluster.stop();
      for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
      return command.error(`slotway dev: ${messageOf(err)}`, { exitCode: 1, code: 'slotway.dev.hook' });
    }
  }

  process.stdout.write(describeCluster(cluster, flags));
  // The servers are unref'd children; this timer keeps us in the foreground until a signal.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const signal = await stopRequested;
  clearInterval(keepAlive);
  process.stdout.write(`\n${signal}: stopping…\n`);
  try {
    await cleanup();
  } catch (err) {
    process.stderr.write(`slotway dev: cleanup failed: ${messageOf(err)}\n`);
  }
  await cluster.stop();
  process.stdout.write('stopped; all servers and their files are gone\n');
  process.exit(0);
}

function startFailure(err: unknown): string {
  if (err instanceof PortInUseError) return `${err.message}; choose other ports with --base-port`;
  return messageOf(err);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The node table printed once the servers are ready. */
export function describeCluster(
  cluster: LocalCluster,
  flags: Pick<DevFlags, 'primaries' | 'replicas'>,
): string {
  const rows: string[][] = [['PORT', 'ROLE', 'SLOTS', 'PID']];
  const byId = new Map(cluster.nodes.map((n) => [n.id, n]));
  for (const node of orderForDisplay(cluster.nodes)) {
    const primary = node.primaryId ? byId.get(node.primaryId) : undefined;
    const slots =
      cluster.mode === 'standalone'
        ? 'all'
        : node.role === 'primary'
          ? node.slots.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')
          : `replica of ${primary?.port ?? '?'}`;
    rows.push([
      String(node.port),
      cluster.mode === 'standalone' ? 'standalone' : node.role,
      slots,
      String(node.pid),
    ]);
  }
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  const table = rows.map((r) =>
    r
      .map((cell, col) => cell.padEnd(widths[col]!))
      .join('  ')
      .trimEnd(),
  );
  const title =
    cluster.mode === 'standalone'
      ? 'standalone server'
      : `cluster of ${flags.primaries} primaries x ${flags.replicas} replicas`;
  return [
    `slotway dev: ${title} ready (${cluster.serverBin})`,
    ...table,
    `seeds: ${cluster.seeds.join(',')}`,
    `data:  ${cluster.dir}`,
    'press Ctrl-C to stop',
    '',
  ].join('\n');
}

/** Each primary followed by its replicas. */
function orderForDisplay(nodes: readonly LocalNode[]): LocalNode[] {
  const ordered: LocalNode[] = [];
  for (const primary of nodes.filter((n) => n.role === 'primary')) {
    ordered.push(primary, ...nodes.filter((n) => n.primaryId === primary.id));
  }
  return ordered;
}
