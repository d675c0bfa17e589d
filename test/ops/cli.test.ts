// The `slotway` command line as a user runs it, in real child processes: `start --cluster` and
// `start --standalone` serve redis-cli, and `slotway dev` starts a local cluster plus the gateway,
// answers the README's quick-start session exactly as printed there, and on Ctrl-C (SIGINT) stops
// every server it started and removes their files.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFreePortBlock } from '../../src/ops/local-cluster-ports.js';
import { processAlive, useCluster, useStandalone } from '../support/cluster.js';
import { pollUntil } from '../support/cluster-state.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface SlotwayProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Runs `slotway <args>` (bin/slotway.js) with no SLOTWAY_* / DBX_* variables from this environment. */
function runSlotway(args: string[]): SlotwayProcess {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('SLOTWAY_') && !k.startsWith('DBX_')),
  );
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'slotway.js'), ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Sends `signal` and waits (bounded) for the exit code; SIGKILL if it does not come. */
async function stopWith(
  run: SlotwayProcess,
  signal: NodeJS.Signals,
  timeoutMs = 30_000,
): Promise<number | null> {
  if (run.child.exitCode !== null) return run.exited;
  run.child.kill(signal);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  try {
    return await run.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** The JSON log line with this `msg` (slotway start logs JSON when stdout is not a terminal). */
function logLine(run: SlotwayProcess, msg: string): Record<string, unknown> | undefined {
  for (const line of run.stdout().split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry.msg === msg) return entry;
  }
  return undefined;
}

/** Waits for `slotway start` to listen; its RESP and admin ports. */
async function startedPorts(run: SlotwayProcess): Promise<{ port: number; adminPort: number }> {
  await pollUntil(
    'slotway start to listen',
    async () => {
      if (run.child.exitCode !== null) throw new Error(`exited: ${run.stdout()}${run.stderr()}`);
      return logLine(run, 'admin endpoints ready') !== undefined;
    },
    60_000,
    100,
  );
  const port = Number(logLine(run, 'gateway listening')!.port);
  const adminPort = Number(new URL(String(logLine(run, 'admin endpoints ready')!.admin)).port);
  return { port, adminPort };
}

/** redis-cli with formatted output (as in a terminal), so replies read like the README's. */
function redisCli(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-p', String(port), '--no-raw', ...args], { timeout: 10_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout.replace(/\n$/, '')),
    );
  });
}

async function httpText(url: string, init?: RequestInit): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

interface SessionStep {
  /** The command after `$ `, without a trailing `# comment`. */
  command: string;
  /** The lines printed after it. */
  output: string;
}

/** The `$ command` / output pairs of every ```text block in the README's Quick start section. */
function readmeQuickStart(): SessionStep[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Quick start'),
    readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1),
  );
  const steps: SessionStep[] = [];
  for (const block of section.matchAll(/```text\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.trimEnd().split('\n')) {
      if (line.startsWith('$ '))
        steps.push({
          command: line
            .slice(2)
            .replace(/\s+#.*$/, '')
            .trim(),
          output: '',
        });
      else if (steps.length > 0) {
        const step = steps.at(-1)!;
        step.output += step.output ? `\n${line}` : line;
      }
    }
  }
  return steps;
}

/** Runs one README step against the ports `slotway dev` printed; what it printed. */
async function runStep(
  step: SessionStep,
  ports: { resp: number; admin: number; http: number },
): Promise<string> {
  const cli = /^redis-cli -p 6380 (.+)$/.exec(step.command);
  if (cli) return redisCli(ports.resp, cli[1]!.split(/\s+/));
  const admin = /^curl -s localhost:9121(\/\S*)$/.exec(step.command);
  if (admin) return (await httpText(`http://127.0.0.1:${ports.admin}${admin[1]}`)).body;
  const post = /^curl -s -X POST localhost:8080(\/\S*) -d '(.*)'$/.exec(step.command);
  if (post) {
    return (await httpText(`http://127.0.0.1:${ports.http}${post[1]}`, { method: 'POST', body: post[2] }))
      .body;
  }
  throw new Error(`this test does not know how to run the README's \`${step.command}\``);
}

describe('slotway start --cluster', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });

  it('serves redis-cli in front of the cluster and stops on SIGTERM', async () => {
    const run = runSlotway([
      'start',
      '--cluster',
      cluster().seeds.join(','),
      ...['--port', '0', '--admin-port', '0', '--http-port', '0', '--workers', '1'],
    ]);
    try {
      const { port, adminPort } = await startedPorts(run);
      expect(await redisCli(port, ['SET', 'cli:greeting', 'hello'])).toBe('OK');
      expect(await redisCli(port, ['GET', 'cli:greeting'])).toBe('"hello"');
      const keys = Array.from({ length: 12 }, (_, i) => `cli:${i}`);
      expect(await redisCli(port, ['MSET', ...keys.flatMap((k) => [k, k.toUpperCase()])])).toBe('OK');
      expect(await redisCli(port, ['MGET', ...keys.slice(0, 3)])).toBe('1) "CLI:0"\n2) "CLI:1"\n3) "CLI:2"');
      expect(await redisCli(port, ['DBSIZE'])).toBe(`(integer) ${keys.length + 1}`);
      // The keys really are spread over the primaries.
      const perNode = await Promise.all(
        cluster().nodes.map(async (n) => Number((await redisCli(n.port, ['DBSIZE'])).replace(/\D/g, ''))),
      );
      expect(perNode.filter((n) => n > 0).length).toBeGreaterThan(1);
      expect(await httpText(`http://127.0.0.1:${adminPort}/readyz`)).toEqual({
        status: 200,
        body: '{"ready":true,"slotsCovered":16384,"slotsTotal":16384}',
      });
      expect(await stopWith(run, 'SIGTERM')).toBe(0);
    } finally {
      await stopWith(run, 'SIGKILL');
    }
  });

  it('with --workers 2 on a taken port, exits with 1 and the reason instead of restarting workers', async () => {
    const blocker = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as net.AddressInfo).port;
    const run = runSlotway([
      'start',
      '--cluster',
      cluster().seeds.join(','),
      ...['--host', '127.0.0.1', '--port', String(taken), '--admin-port', '0', '--http-port', '0'],
      ...['--workers', '2'],
    ]);
    try {
      // 'close' comes once every process holding the output pipes (the primary and its workers) is gone.
      const code = await Promise.race([
        run.exited,
        new Promise<'still running'>((r) => setTimeout(() => r('still running'), 30_000)),
      ]);
      expect(code).toBe(1);
      expect(run.stderr()).toContain('EADDRINUSE');
      expect(logLine(run, 'gateway worker failed to start; stopping')).toBeDefined();
      expect(logLine(run, 'gateway worker exited; starting a new one')).toBeUndefined();
    } finally {
      await stopWith(run, 'SIGKILL');
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});

describe('slotway start --standalone', () => {
  const server = useStandalone();

  it('serves redis-cli in front of one plain server and stops on SIGINT', async () => {
    const node = server().nodes[0]!;
    const run = runSlotway([
      'start',
      '--standalone',
      `redis://${node.host}:${node.port}`,
      ...['--port', '0', '--admin-port', '0', '--http-port', '0', '--workers', '1'],
    ]);
    try {
      const { port, adminPort } = await startedPorts(run);
      expect(await redisCli(port, ['MSET', 'a', '1', 'b', '2', 'c', '3'])).toBe('OK');
      expect(await redisCli(port, ['MGET', 'a', 'b', 'c', 'nope'])).toBe('1) "1"\n2) "2"\n3) "3"\n4) (nil)');
      expect(await redisCli(node.port, ['GET', 'b'])).toBe('"2"');
      expect(await redisCli(port, ['DBSIZE'])).toBe('(integer) 3');
      expect((await httpText(`http://127.0.0.1:${adminPort}/readyz`)).status).toBe(200);
      expect(await stopWith(run, 'SIGINT')).toBe(0);
    } finally {
      await stopWith(run, 'SIGKILL');
    }
  });
});

describe('slotway dev', () => {
  it('starts a cluster and the gateway, answers the README session, and stops everything on Ctrl-C', async () => {
    const steps = readmeQuickStart();
    expect(steps.map((s) => s.command.split(' ')[0])).toEqual([
      'redis-cli',
      'redis-cli',
      'redis-cli',
      'curl',
      'curl',
    ]);
    const [basePort] = await findFreePortBlock('127.0.0.1', 6, true);
    const run = runSlotway([
      'dev',
      ...['--base-port', String(basePort), '--port', '0', '--admin-port', '0', '--http-port', '0'],
    ]);
    let pids: number[] = [];
    let dir = '';
    try {
      await pollUntil(
        'slotway dev to be ready',
        async () => {
          if (run.child.exitCode !== null) throw new Error(`exited: ${run.stdout()}${run.stderr()}`);
          return run.stdout().includes('press Ctrl-C to stop');
        },
        90_000,
        100,
      );
      const out = run.stdout();
      const rows = out.split('\n').filter((l) => /^\d+\s+(primary|replica)\s/.test(l));
      pids = rows.map((row) => Number(row.trim().split(/\s+/).at(-1)));
      dir = /^data:\s+(\S+)/m.exec(out)?.[1] ?? '';
      expect(rows.map((r) => r.split(/\s+/)[1]).sort()).toEqual([
        'primary',
        'primary',
        'primary',
        'replica',
        'replica',
        'replica',
      ]);
      for (const pid of pids) expect(processAlive(pid), `pid ${pid}`).toBe(true);
      const ports = {
        resp: Number(/Slotway gateway on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]),
        admin: Number(/Metrics on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1]),
        http: Number(/HTTP API on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1]),
      };

      for (const step of steps) expect(await runStep(step, ports), step.command).toBe(step.output);

      expect(await stopWith(run, 'SIGINT')).toBe(0);
      expect(run.stdout()).toContain('stopped; all servers and their files are gone');
      for (const pid of pids) expect(processAlive(pid), `pid ${pid} still alive`).toBe(false);
      expect(existsSync(dir), `${dir} still exists`).toBe(false);
    } finally {
      if ((await stopWith(run, 'SIGINT')) !== 0) {
        // It did not stop by itself: end exactly the servers it reported starting.
        for (const pid of pids) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
