// Local cluster harness for `slotway dev` and integration tests: N primaries x R replicas of
// redis-server (or valkey-server) in cluster mode, or one standalone server, on loopback in a temp
// dir. The handle stops exactly the processes it started and removes everything it created.

import { join } from 'node:path';
import type { AdminClient } from '../backend/admin-client.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { resolveServerBinary } from './local-cluster-binary.js';
import { formCluster } from './local-cluster-formation.js';
import { type HandleSettings, LocalClusterHandle } from './local-cluster-handle.js';
import { type NodeRole, type PlannedNode, planCluster, type SlotRange } from './local-cluster-layout.js';
import {
  assertPortsFree,
  CLUSTER_BUS_OFFSET,
  findFreePortBlock,
  PortInUseError,
} from './local-cluster-ports.js';

export { ServerBinaryMissingError } from './local-cluster-binary.js';
export type { NodeRole, SlotRange } from './local-cluster-layout.js';
export { PortInUseError } from './local-cluster-ports.js';
export { NodeExitedError } from './local-cluster-process.js';
export { LocalClusterTimeoutError } from './local-cluster-wait.js';

export interface StandaloneServerOptions {
  /** First port to use; without it, free ports are picked at random in 20000..50000. */
  basePort?: number;
  /** Loopback address to bind; '127.0.0.1' by default. */
  host?: string;
  /** 'redis-server' (default), 'valkey-server', or a path. */
  serverBin?: string;
  /** Parent of the temp dir the harness creates (the OS temp dir by default). */
  dir?: string;
  /** More `--name value` server arguments, appended last so they win. */
  extraArgs?: string[];
  /** Sets requirepass (and masterauth, so replicas can sync). */
  password?: string;
  logger?: Logger;
  /** Bound for each start-up wait; 30 s by default. */
  readyTimeoutMs?: number;
  /** Aborting cancels a start in progress; whatever was started is stopped. */
  signal?: AbortSignal;
}

export interface LocalClusterOptions extends StandaloneServerOptions {
  /** Number of primaries; 3 by default. */
  primaries?: number;
  /** Replicas per primary; 1 by default. */
  replicas?: number;
  /** cluster-node-timeout in ms; 2000 by default, so failover tests stay short. */
  nodeTimeoutMs?: number;
  /**
   * Also serve TLS with these PEM files, on a port of its own per node (`tlsPort`), with the cluster
   * bus and replication over TLS too (tls-cluster, tls-replication), so the nodes advertise their TLS
   * ports. The plain port stays for the harness; clients need no certificate of their own.
   */
  tls?: { certFile: string; keyFile: string; caFile: string };
}

export interface LocalNode {
  /** Cluster node id (`host:port` for a standalone server). */
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** PID of the current process; updated by restartNode. */
  pid: number;
  /** Role at start-up (a failover later does not change it). */
  readonly role: NodeRole;
  /** Node id of the primary a replica was attached to at start-up. */
  readonly primaryId?: string;
  /** Slots assigned at start-up; empty for replicas. */
  readonly slots: readonly SlotRange[];
  /** The node's own directory (nodes.conf, server.log). */
  readonly dir: string;
  /** TLS client port, when the cluster was started with `tls`. */
  readonly tlsPort?: number;
}

export interface LocalCluster {
  readonly mode: 'cluster' | 'standalone';
  readonly nodes: readonly LocalNode[];
  /** `host:port` of every primary: what a gateway is given as seeds. */
  readonly seeds: readonly string[];
  /** The temp dir holding every node's dir; removed by stop(). */
  readonly dir: string;
  /** Resolved path of the server binary in use. */
  readonly serverBin: string;
  /** Stops every process this handle started, waits for them, removes the dir. Idempotent. */
  stop(): Promise<void>;
  /** Sends `signal` to one node (SIGKILL by default) and waits for it to exit (not for SIGSTOP/SIGCONT). */
  killNode(port: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped node again on the same port and dir, so it rejoins with its nodes.conf. */
  restartNode(port: number): Promise<void>;
  /** A new admin connection to one node; closed by stop() if the caller did not close it. */
  client(port: number): Promise<AdminClient>;
}

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_READY_TIMEOUT_MS = 30_000;
/** Attempts when ports are picked at random and another process grabs one before we bind it. */
const PORT_RACE_ATTEMPTS = 3;

export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const primaries = checkInteger('primaries', options.primaries ?? 3, 1, 1000);
  const replicas = checkInteger('replicas', options.replicas ?? 1, 0, 20);
  const nodeTimeoutMs = checkInteger('nodeTimeoutMs', options.nodeTimeoutMs ?? 2000, 50, 3_600_000);
  const settings = resolveSettings(options);
  const total = primaries * (1 + replicas);
  const tls = options.tls;
  const clusterArgs = (dir: string, planned: PlannedNode) => [
    ...(tls && planned.tlsPort ? tlsArgs(tls, planned) : []),
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    join(dir, 'nodes.conf'),
    '--cluster-node-timeout',
    String(nodeTimeoutMs),
    // Keeps the layout the caller asked for: replicas stay with the primary they were given.
    '--cluster-allow-replica-migration',
    'no',
    '--cluster-require-full-coverage',
    'yes',
  ];

  return withPortRetry(options.basePort, async () => {
    const ports = await choosePorts(settings.host, total, options.basePort, true);
    const handle = await LocalClusterHandle.create('cluster', settings, options.dir);
    try {
      const plan = planCluster(primaries, replicas, ports);
      if (tls) {
        const tlsPorts = await findFreePortBlock(settings.host, total, false);
        for (const [i, planned] of plan.entries()) planned.tlsPort = tlsPorts[i];
      }
      const forming = await handle.startNodes(plan, clusterArgs, options.extraArgs ?? []);
      await formCluster(forming, {
        host: settings.host,
        timeoutMs: settings.readyTimeoutMs,
        signal: settings.signal,
        logger: settings.logger,
      });
      handle.recordNodes(forming.map((n) => ({ plan: n.plan, server: n.server, id: n.id })));
      settings.logger.info(
        { seeds: handle.seeds, dir: handle.dir, nodes: total },
        `local cluster ready: ${primaries} primaries x ${replicas} replicas`,
      );
      return handle;
    } catch (err) {
      await handle.stop().catch(() => {});
      throw err;
    }
  });
}

export async function startStandaloneServer(options: StandaloneServerOptions = {}): Promise<LocalCluster> {
  const settings = resolveSettings(options);
  return withPortRetry(options.basePort, async () => {
    const [port] = await choosePorts(settings.host, 1, options.basePort, false);
    const handle = await LocalClusterHandle.create('standalone', settings, options.dir);
    try {
      const plan: PlannedNode = { port: port!, role: 'primary', slots: [] };
      const [node] = await handle.startNodes([plan], () => [], options.extraArgs ?? []);
      handle.recordNodes([{ plan, server: node!.server, id: `${settings.host}:${port}` }]);
      settings.logger.info({ seeds: handle.seeds, dir: handle.dir }, 'local standalone server ready');
      return handle;
    } catch (err) {
      await handle.stop().catch(() => {});
      throw err;
    }
  });
}

/**
 * TLS beside the plain port. With tls-cluster a node's bus port follows its TLS port unless set, so
 * it is pinned to the plain port's (what the harness checked and CLUSTER MEET assumes).
 */
function tlsArgs(tls: NonNullable<LocalClusterOptions['tls']>, planned: PlannedNode): string[] {
  return [
    '--tls-port',
    String(planned.tlsPort),
    '--tls-cert-file',
    tls.certFile,
    '--tls-key-file',
    tls.keyFile,
    '--tls-ca-cert-file',
    tls.caFile,
    '--tls-auth-clients',
    'optional',
    '--tls-cluster',
    'yes',
    '--tls-replication',
    'yes',
    '--cluster-port',
    String(planned.port + CLUSTER_BUS_OFFSET),
  ];
}

function resolveSettings(options: StandaloneServerOptions): HandleSettings {
  if (options.basePort !== undefined) checkInteger('basePort', options.basePort, 1, 65_535);
  return {
    host: options.host ?? DEFAULT_HOST,
    // Resolved before anything is created, so a missing binary leaves nothing to clean up.
    bin: resolveServerBinary(options.serverBin ?? 'redis-server'),
    password: options.password,
    logger: options.logger ?? silentLogger,
    readyTimeoutMs: options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    signal: options.signal,
  };
}

function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

async function choosePorts(host: string, count: number, basePort: number | undefined, bus: boolean) {
  if (basePort === undefined) return findFreePortBlock(host, count, bus);
  const ports = Array.from({ length: count }, (_, i) => basePort + i);
  await assertPortsFree(host, ports, bus);
  return ports;
}

/** Random ports can be taken between our bind test and the server's bind; then we pick again. */
async function withPortRetry<T>(basePort: number | undefined, attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (basePort !== undefined || !(err instanceof PortInUseError) || i >= PORT_RACE_ATTEMPTS) throw err;
    }
  }
}
