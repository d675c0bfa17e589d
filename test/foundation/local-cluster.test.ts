// The local cluster harness against real redis-server processes: topology shape, replica links,
// restart on the same port, and — most important for every other integration test — that stop()
// leaves no process and no directory behind, even when the test body throws.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AdminClient, replyText } from '../../src/backend/admin-client.js';
import {
  type LocalCluster,
  PortInUseError,
  ServerBinaryMissingError,
  startLocalCluster,
  startStandaloneServer,
} from '../../src/ops/local-cluster.js';
import { findExecutable } from '../../src/ops/local-cluster-binary.js';
import { findFreePortBlock } from '../../src/ops/local-cluster-ports.js';
import { trackedPids } from '../../src/ops/local-cluster-reaper.js';
import { missingBinary } from '../support/binaries.js';
import { processAlive, withCluster } from '../support/cluster.js';
import { items, plain, record } from '../support/resp-plain.js';

const SLOT_COUNT = 16384;
const REPO_ROOT = new URL('../..', import.meta.url).pathname;

async function infoField(client: AdminClient, section: string, field: string): Promise<string | undefined> {
  const text = replyText(await client.call('INFO', section));
  return new RegExp(`^${field}:(.*)$`, 'm').exec(text)?.[1]?.trim();
}

/** Asserts CLUSTER SHARDS as seen from `port`: `primaries` shards covering every slot once. */
async function expectShardShape(cluster: LocalCluster, port: number, primaries: number, replicas: number) {
  const client = await cluster.client(port);
  try {
    const shards = items(await client.call('CLUSTER', 'SHARDS')).map(record);
    expect(shards).toHaveLength(primaries);
    const covered = new Set<number>();
    for (const shard of shards) {
      const bounds = plain(shard.slots!) as number[];
      for (let i = 0; i < bounds.length; i += 2) {
        for (let slot = bounds[i]!; slot <= bounds[i + 1]!; slot++) {
          if (covered.has(slot)) throw new Error(`slot ${slot} is in two shards`);
          covered.add(slot);
        }
      }
      const members = items(shard.nodes).map((m) => plain(m) as string[]);
      const fields = members.map((m) => Object.fromEntries(pairs(m)));
      expect(fields.filter((m) => m.role === 'master')).toHaveLength(1);
      expect(fields.filter((m) => m.role === 'replica')).toHaveLength(replicas);
      for (const member of fields) expect(member.health, `port ${member.port}`).toBe('online');
    }
    expect(covered.size).toBe(SLOT_COUNT);
  } finally {
    client.close();
  }
}

function pairs(flat: unknown[]): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([String(flat[i]), flat[i + 1]]);
  return out;
}

function expectAllGone(pids: number[], dir: string) {
  for (const pid of pids) expect(processAlive(pid), `pid ${pid} still alive`).toBe(false);
  expect(existsSync(dir), `${dir} still exists`).toBe(false);
}

describe('a 3x1 local cluster', () => {
  let cluster: LocalCluster;
  const startedPids = new Set<number>();

  beforeAll(async () => {
    cluster = await startLocalCluster({ primaries: 3, replicas: 1 });
    for (const node of cluster.nodes) startedPids.add(node.pid);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('has 3 primaries as seeds and one replica per primary', () => {
    const primaries = cluster.nodes.filter((n) => n.role === 'primary');
    const replicas = cluster.nodes.filter((n) => n.role === 'replica');
    expect(primaries).toHaveLength(3);
    expect(replicas).toHaveLength(3);
    expect(cluster.seeds).toEqual(primaries.map((n) => `127.0.0.1:${n.port}`));
    expect(new Set(replicas.map((r) => r.primaryId))).toEqual(new Set(primaries.map((p) => p.id)));
    for (const node of cluster.nodes) expect(processAlive(node.pid)).toBe(true);
  });

  it('answers CLUSTER SHARDS with 3 healthy shards covering every slot, from every node', async () => {
    for (const node of cluster.nodes) await expectShardShape(cluster, node.port, 3, 1);
  });

  it('has every replica linked to and in sync with its own primary', async () => {
    for (const replica of cluster.nodes.filter((n) => n.role === 'replica')) {
      const primary = cluster.nodes.find((n) => n.id === replica.primaryId)!;
      const client = await cluster.client(replica.port);
      try {
        expect(await infoField(client, 'replication', 'role')).toBe('slave');
        expect(await infoField(client, 'replication', 'master_port')).toBe(String(primary.port));
        expect(await infoField(client, 'replication', 'master_link_status')).toBe('up');
        expect(await infoField(client, 'replication', 'master_sync_in_progress')).toBe('0');
      } finally {
        client.close();
      }
    }
  });

  it('restarts a killed replica on the same port, and it resyncs', async () => {
    const replica = cluster.nodes.find((n) => n.role === 'replica')!;
    const oldPid = replica.pid;
    await cluster.killNode(replica.port);
    expect(processAlive(oldPid)).toBe(false);

    await cluster.restartNode(replica.port);
    expect(replica.pid).not.toBe(oldPid);
    startedPids.add(replica.pid);
    const client = await cluster.client(replica.port);
    try {
      await vi.waitFor(
        async () => expect(await infoField(client, 'replication', 'master_link_status')).toBe('up'),
        {
          timeout: 15_000,
          interval: 100,
        },
      );
    } finally {
      client.close();
    }
  });

  it('stop() ends every process it started, removes its dir, and is idempotent', async () => {
    await cluster.stop();
    expectAllGone([...startedPids], cluster.dir);
    await expect(cluster.stop()).resolves.toBeUndefined();
    await expect(cluster.killNode(cluster.nodes[0]!.port)).rejects.toThrow(/stopped/);
  });
});

describe('cleanup guarantees', () => {
  it('stops the cluster when the test body throws', async () => {
    let pids: number[] = [];
    let dir = '';
    await expect(
      withCluster({ primaries: 3, replicas: 1 }, async (cluster) => {
        pids = cluster.nodes.map((n) => n.pid);
        dir = cluster.dir;
        await expectShardShape(cluster, cluster.nodes[0]!.port, 3, 1);
        throw new Error('boom from the test body');
      }),
    ).rejects.toThrow('boom from the test body');
    expect(pids).toHaveLength(6);
    expectAllGone(pids, dir);
  });

  it.each(['throw', 'signal', 'return'])(
    'leaves nothing behind when its process ends without stop() (%s)',
    async (mode) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/abandoned-harness.ts', mode], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
      await vi.waitFor(() => expect(out).toContain('\n'), { timeout: 20_000, interval: 50 });
      const [pid, dir] = out.trim().split(' ');
      if (mode === 'signal') child.kill('SIGTERM');
      await exited;
      // The orphaned server is SIGKILLed at once, but it is init that reaps it, a moment later.
      await vi.waitFor(() => expect(processAlive(Number(pid))).toBe(false), { timeout: 5000, interval: 50 });
      expect(existsSync(dir!)).toBe(false);
    },
  );

  it('refuses a --base-port that is taken, and starts nothing', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startLocalCluster({ primaries: 1, replicas: 0, basePort: port })).rejects.toBeInstanceOf(
        PortInUseError,
      );
      expect(trackedPids()).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('names the install command when redis-server is missing', async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const start = startLocalCluster({ primaries: 1, replicas: 0 });
      await expect(start).rejects.toBeInstanceOf(ServerBinaryMissingError);
      await expect(start).rejects.toThrow(
        /^redis-server is missing; install it with: (sudo )?apt-get install -y redis-server$/,
      );
    } finally {
      process.env.PATH = savedPath;
    }
  });
});

describe('a standalone server', () => {
  it('starts, answers as a plain server, and stops without a trace', async () => {
    const server = await startStandaloneServer();
    const { pid } = server.nodes[0]!;
    try {
      expect(server.mode).toBe('standalone');
      expect(server.seeds).toEqual([`127.0.0.1:${server.nodes[0]!.port}`]);
      const client = await server.client(server.nodes[0]!.port);
      expect(await infoField(client, 'server', 'redis_mode')).toBe('standalone');
      expect(await infoField(client, 'cluster', 'cluster_enabled')).toBe('0');
    } finally {
      await server.stop();
    }
    expectAllGone([pid], server.dir);
  });
});

describe('valkey-server', () => {
  it.skipIf(missingBinary('valkey-server'))('forms the same 3x1 cluster with the same flags', async () => {
    await withCluster({ primaries: 3, replicas: 1, serverBin: 'valkey-server' }, async (cluster) => {
      await expectShardShape(cluster, cluster.nodes[0]!.port, 3, 1);
    });
  });
});

interface DevRun {
  child: ReturnType<typeof spawn>;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * Runs `slotway dev <args>` as a real child process: the dev command alone (test/support/dev-cli.ts),
 * or the full CLI (bin/slotway.js, which adds the gateway and the HTTP API).
 */
function runDev(args: string[], entry: 'dev-only' | 'full' = 'dev-only'): DevRun {
  const argv =
    entry === 'full'
      ? ['bin/slotway.js', 'dev', ...args]
      : ['--import', 'tsx', 'test/support/dev-cli.ts', 'dev', ...args];
  const child = spawn(process.execPath, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

interface DevTable {
  /** [port, role] of each node, in the printed order. */
  rows: string[][];
  pids: number[];
  dir: string;
}

/** Waits for the "ready" banner and reads the node table; kills the child if it never comes. */
async function devReady(dev: DevRun): Promise<DevTable> {
  try {
    await vi.waitFor(() => expect(dev.stdout()).toContain('press Ctrl-C to stop'), {
      timeout: 30_000,
      interval: 100,
    });
  } catch (err) {
    dev.child.kill('SIGKILL');
    throw new Error(`dev did not become ready: ${dev.stderr()}`, { cause: err });
  }
  const lines = dev
    .stdout()
    .split('\n')
    .filter((l) => /^\d+\s/.test(l));
  return {
    rows: lines.map((r) => r.split(/\s+/).slice(0, 2)),
    pids: lines.map((row) => Number(row.trim().split(/\s+/).at(-1))),
    dir: /^data:\s+(\S+)/m.exec(dev.stdout())?.[1] ?? '',
  };
}

async function configValue(port: number, name: string): Promise<string> {
  const client = await AdminClient.connect({ host: '127.0.0.1', port });
  try {
    return (plain(await client.call('CONFIG', 'GET', name)) as string[])[1]!;
  } finally {
    client.close();
  }
}

describe('slotway dev', () => {
  it('stays in the foreground, and on SIGINT stops every server and exits 0', async () => {
    const [basePort] = await findFreePortBlock('127.0.0.1', 2, true);
    const dev = runDev(['--primaries', '1', '--replicas', '1', '--base-port', String(basePort)]);
    const { rows, pids, dir } = await devReady(dev);
    expect(rows).toEqual([
      [String(basePort), 'primary'],
      [String(basePort! + 1), 'replica'],
    ]);
    for (const pid of pids) expect(processAlive(pid)).toBe(true);

    dev.child.kill('SIGINT');
    expect(await dev.exited).toBe(0);
    expect(dev.stdout()).toContain('stopped');
    expectAllGone(pids, dir);
  });

  it('runs the --server-bin it is given with --node-timeout, and on SIGTERM stops everything', async () => {
    // A wrapper that records each start, then becomes the real server: proof the flag is what ran.
    const binDir = mkdtempSync(join(tmpdir(), 'slotway-server-bin-'));
    const wrapper = join(binDir, 'my-server');
    writeFileSync(
      wrapper,
      `#!/bin/sh\necho started >> '${binDir}/starts'\nexec '${findExecutable('redis-server')}' "$@"\n`,
      { mode: 0o755 },
    );
    try {
      const [basePort] = await findFreePortBlock('127.0.0.1', 2, true);
      const dev = runDev([
        ...['--primaries', '1', '--replicas', '1', '--base-port', String(basePort)],
        ...['--server-bin', wrapper, '--node-timeout', '1234'],
      ]);
      const { rows, pids, dir } = await devReady(dev);
      expect(dev.stdout()).toContain(`cluster of 1 primaries x 1 replicas ready (${wrapper})`);
      expect(readFileSync(join(binDir, 'starts'), 'utf8')).toBe('started\nstarted\n');
      for (const [port] of rows) expect(await configValue(Number(port), 'cluster-node-timeout')).toBe('1234');

      dev.child.kill('SIGTERM');
      expect(await dev.exited).toBe(0);
      expect(dev.stdout()).toContain('SIGTERM: stopping');
      expectAllGone(pids, dir);
    } finally {
      rmSync(binDir, { recursive: true, force: true });
    }
  });

  it('the full CLI serves the gateway on the cluster, and on SIGTERM stops the gateway and every server', async () => {
    const [basePort] = await findFreePortBlock('127.0.0.1', 1, true);
    const dev = runDev(
      [
        ...['--primaries', '1', '--replicas', '0', '--base-port', String(basePort)],
        ...['--port', '0', '--admin-port', '0', '--http-port', '0'],
      ],
      'full',
    );
    const { pids, dir } = await devReady(dev);
    // Not a terminal, so the gateway's logs are JSON lines among the banner lines.
    const logs = dev
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string });
    expect(logs.map((entry) => entry.msg)).toContain('gateway listening');
    const gatewayPort = Number(/Slotway gateway on 127\.0\.0\.1:(\d+)/.exec(dev.stdout())?.[1]);
    const client = await AdminClient.connect({ host: '127.0.0.1', port: gatewayPort });
    try {
      expect(replyText(await client.call('SET', 'dev:key', 'v'))).toBe('OK');
      expect(replyText(await client.call('GET', 'dev:key'))).toBe('v');
    } finally {
      client.close();
    }

    dev.child.kill('SIGTERM');
    expect(await dev.exited).toBe(0);
    expect(dev.stdout()).toContain('stopped; all servers and their files are gone');
    expectAllGone(pids, dir);
    await expect(AdminClient.connect({ host: '127.0.0.1', port: gatewayPort })).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });

  it('rejects a bad number with one line and no stack trace', async () => {
    const dev = runDev(['--primaries', '0']);
    expect(await dev.exited).toBe(1);
    expect(dev.stderr().trim()).toBe(
      "error: option '--primaries <n>' argument '0' is invalid. It must be a whole number from 1 to 100.",
    );
  });

  it('rejects a --server-bin that is not there with one line and no stack trace', async () => {
    const dev = runDev(['--server-bin', '/nonexistent/valkey-server']);
    expect(await dev.exited).toBe(1);
    expect(dev.stderr()).toBe(
      'slotway dev: /nonexistent/valkey-server is missing or not executable; pass the path of redis-server or valkey-server\n',
    );
  });

  it('names the taken port in one line when --base-port is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const dev = runDev(['--standalone', '--base-port', String(port)]);
      expect(await dev.exited).toBe(1);
      expect(dev.stderr().trim()).toBe(
        `slotway dev: port ${port} is already in use (client port); choose other ports with --base-port`,
      );
    } finally {
      blocker.close();
    }
  });
});

afterAll(() => {
  // Nothing this file started may outlive it.
  expect(trackedPids()).toEqual([]);
});
