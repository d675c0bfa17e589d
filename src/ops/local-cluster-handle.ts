// The handle behind a started local cluster: owns the server processes and the temp dir, and
// implements stop / killNode / restartNode / client. Start-up logic lives in local-cluster.ts.

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminClient, replyText } from '../backend/admin-client.js';
import type { Logger } from '../observability/logger.js';
import type { LocalCluster, LocalNode } from './local-cluster.js';
import type { FormingNode } from './local-cluster-formation.js';
import type { PlannedNode } from './local-cluster-layout.js';
import { baseServerArgs, ServerProcess } from './local-cluster-process.js';
import { trackDir, untrackDir } from './local-cluster-reaper.js';
import { waitUntil } from './local-cluster-wait.js';

export interface HandleSettings {
  host: string;
  bin: string;
  password: string | undefined;
  logger: Logger;
  readyTimeoutMs: number;
  signal: AbortSignal | undefined;
}

const STOP_GRACE_MS = 2000;
const KILL_TIMEOUT_MS = 15_000;

interface NodeEntry {
  node: LocalNode;
  server: ServerProcess;
}

export class LocalClusterHandle implements LocalCluster {
  nodes: LocalNode[] = [];
  seeds: string[] = [];
  readonly serverBin: string;
  private readonly processes: ServerProcess[] = [];
  private readonly byPort = new Map<number, NodeEntry>();
  private readonly clients = new Set<AdminClient>();
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly mode: 'cluster' | 'standalone',
    readonly dir: string,
    private readonly settings: HandleSettings,
  ) {
    this.serverBin = settings.bin;
  }

  static async create(mode: 'cluster' | 'standalone', settings: HandleSettings, parent?: string) {
    const dir = await mkdtemp(join(parent ?? tmpdir(), `slotway-${mode}-`));
    trackDir(dir);
    return new LocalClusterHandle(mode, dir, settings);
  }

  /** Spawns every planned node in parallel and opens one admin connection to each. */
  async startNodes(
    plan: PlannedNode[],
    modeArgs: (nodeDir: string, planned: PlannedNode) => string[],
    extraArgs: string[],
  ): Promise<FormingNode[]> {
    const { host, bin, password, logger, readyTimeoutMs, signal } = this.settings;
    const servers = plan.map((planned) => {
      const nodeDir = join(this.dir, String(planned.port));
      const args = [
        ...baseServerArgs(host, planned.port, nodeDir),
        ...modeArgs(nodeDir, planned),
        ...(password ? ['--requirepass', password, '--masterauth', password] : []),
        ...extraArgs,
      ];
      const server = new ServerProcess({
        bin,
        host,
        port: planned.port,
        dir: nodeDir,
        args,
        password,
        logger,
      });
      this.processes.push(server);
      return server;
    });
    await Promise.all(servers.map((server) => mkdir(server.spec.dir, { recursive: true })));
    // start() spawns synchronously, so every child exists before the first readiness wait can
    // fail — a failed start-up then stops all of them, none is spawned afterwards.
    await Promise.all(servers.map((server) => server.start(readyTimeoutMs, signal)));
    return Promise.all(
      plan.map(async (planned, index) => {
        const client = await this.connect(planned.port);
        return { plan: planned, server: servers[index]!, client, id: '' };
      }),
    );
  }

  /** Publishes the started nodes; called once start-up has fully succeeded. */
  recordNodes(started: Array<{ plan: PlannedNode; server: ServerProcess; id: string }>): void {
    for (const { plan, server, id } of started) {
      const primaryId = plan.primaryIndex === undefined ? undefined : started[plan.primaryIndex]!.id;
      const node: LocalNode = {
        id,
        host: this.settings.host,
        port: plan.port,
        pid: server.pid,
        role: plan.role,
        slots: plan.slots,
        dir: server.spec.dir,
        ...(primaryId ? { primaryId } : {}),
        ...(plan.tlsPort ? { tlsPort: plan.tlsPort } : {}),
      };
      this.nodes.push(node);
      this.byPort.set(plan.port, { node, server });
      if (plan.role === 'primary') this.seeds.push(`${node.host}:${node.port}`);
    }
    for (const client of this.clients) client.close();
    this.clients.clear();
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  async killNode(port: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.entry(port).server.kill(signal, KILL_TIMEOUT_MS);
  }

  async restartNode(port: number): Promise<void> {
    const { node, server } = this.entry(port);
    if (server.running) await server.stop(STOP_GRACE_MS);
    await server.start(this.settings.readyTimeoutMs, this.settings.signal);
    node.pid = server.pid;
    if (this.mode === 'cluster') await this.waitRejoined(port);
  }

  async client(port: number): Promise<AdminClient> {
    this.entry(port);
    return this.connect(port);
  }

  private async connect(port: number): Promise<AdminClient> {
    const client = await AdminClient.connect({
      host: this.settings.host,
      port,
      password: this.settings.password,
    });
    for (const old of this.clients) if (!old.isOpen) this.clients.delete(old);
    this.clients.add(client);
    return client;
  }

  private entry(port: number): NodeEntry {
    if (this.stopping) throw new Error('local cluster is stopped');
    const entry = this.byPort.get(port);
    if (!entry) {
      const known = [...this.byPort.keys()].join(', ');
      throw new Error(`no local node on port ${port} (nodes: ${known})`);
    }
    return entry;
  }

  /** A restarted node is back once its own view of the cluster is healthy again. */
  private async waitRejoined(port: number): Promise<void> {
    const { server } = this.entry(port);
    const client = await this.connect(port);
    try {
      await waitUntil(
        async () => {
          const info = replyText(await client.call('CLUSTER', 'INFO'));
          return info.includes('cluster_state:ok') ? null : `${server.label} has not rejoined yet`;
        },
        {
          what: `${server.label} to rejoin the cluster`,
          timeoutMs: this.settings.readyTimeoutMs,
          intervalMs: 100,
          signal: this.settings.signal,
          fatal: () => server.exitError(),
          diagnose: () => `log tail of ${server.label}:\n${server.logTail()}`,
        },
      );
    } finally {
      client.close();
    }
  }

  private async stopAll(): Promise<void> {
    for (const client of this.clients) client.close();
    this.clients.clear();
    const results = await Promise.allSettled(this.processes.map((p) => p.stop(STOP_GRACE_MS)));
    await rm(this.dir, { recursive: true, force: true });
    untrackDir(this.dir);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
