// `slotway bench --quick` end to end on scenarios a and c: a real local cluster, the gateway as a
// child process, the forked load generators; checks the shape of results.json, results.md and
// chart.svg (never the timings) and that nothing it started is left running.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerBenchCommand } from '../../src/ops/bench/bench-command.js';
import type { BenchResults } from '../../src/ops/bench/bench-results.js';
import { pingOk } from '../../src/ops/bench/gateway-process.js';
import { findTwemproxy } from '../../src/ops/bench/twemproxy-process.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function bench(args: string[]): Promise<void> {
  const program = new Command('slotway').exitOverride();
  registerBenchCommand(program);
  await program.parseAsync(['node', 'slotway', 'bench', ...args]);
}

describe('slotway bench --quick', () => {
  it('runs scenarios a and c direct and through Slotway and writes JSON, Markdown and SVG', {
    timeout: 90_000,
  }, async () => {
    const out = await mkdtemp(join(tmpdir(), 'slotway-bench-test-'));
    dirs.push(out);
    await bench(['--quick', '--scenarios', 'a,c', '--workers', '1', '--out', out]);

    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as BenchResults;
    expect(results.version).toBe(1);
    expect(results.settings.quick).toBe(true);
    expect(results.endpoints.map((e) => e.name)).toEqual(['direct', 'slotway']);
    expect(results.scenarios.map((s) => s.id)).toEqual(['a', 'c']);
    for (const scenario of results.scenarios) {
      expect(scenario.runs).toHaveLength(2);
      expect(scenario.endpoints.map((e) => e.endpoint)).toEqual(['direct', 'slotway']);
      for (const e of scenario.endpoints) {
        expect(e.opsPerSec).toBeGreaterThan(0);
        expect(e.p99Ms).toBeGreaterThanOrEqual(e.p50Ms);
        expect(e.errors).toBe(0);
      }
      expect(scenario.endpoints[0]!.ratio).toBe(1);
      const [verdict] = scenario.verdicts;
      expect(verdict?.endpoint).toBe('slotway');
      expect(['met', 'missed']).toContain(verdict?.status);
      expect(verdict?.detail).toMatch(/^(met|missed)/);
      for (const run of scenario.runs) {
        expect(run.generatorCpuCores).toBeGreaterThan(0);
        if (run.endpoint === 'slotway') expect(run.gatewayRssPeakMb).toBeGreaterThan(0);
      }
    }

    const md = await readFile(join(out, 'results.md'), 'utf8');
    expect(md).toContain('| Scenario | Endpoint | ops/s | p50 ms | p99 ms | vs direct | Target | Result |');
    expect(md).toMatch(/\| \*\*a\*\* GET\/SET 4:1[^|]*\| direct \|/);
    expect(md).toMatch(
      /\|\s+\| slotway \| [\d,]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| >= 0\.5 x direct \| (met|missed)/,
    );
    expect(md).toContain('## Load generator and CPU');

    const svg = await readFile(join(out, 'chart.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(2 * 2 * 2); // 2 panels x 2 scenarios x 2 endpoints

    // The gateway and the cluster it started are gone.
    const gatewayPort = Number(/:(\d+) /.exec(results.endpoints[1]!.address)![1]);
    expect(await pingOk(gatewayPort)).toBe(false);
    const seedPort = Number(results.endpoints[0]!.address.split(',')[0]!.split(':')[1]);
    expect(await pingOk(seedPort)).toBe(false);
  });

  it('--standalone measures one server direct, through Slotway and through twemproxy, then stops them', {
    timeout: 90_000,
  }, async () => {
    const twemproxy = findTwemproxy() !== null;
    if (!twemproxy) console.log('[skip] nutcracker is not installed: twemproxy is not part of this run');
    const out = await mkdtemp(join(tmpdir(), 'slotway-bench-test-'));
    dirs.push(out);
    await bench(['--standalone', '--quick', '--scenarios', 'a', '--workers', '1', '--out', out]);

    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as BenchResults;
    const names = ['direct', 'slotway', ...(twemproxy ? ['twemproxy'] : [])];
    expect(results.settings.cluster).toMatch(/^local standalone server \(127\.0\.0\.1:\d+\)$/);
    expect(results.endpoints.map((e) => e.name)).toEqual(names);
    const [scenario] = results.scenarios;
    expect(scenario!.endpoints.map((e) => e.endpoint)).toEqual(names);
    for (const e of scenario!.endpoints) {
      expect(e.opsPerSec).toBeGreaterThan(0);
      expect(e.errors).toBe(0);
    }
    // The cluster targets are not judged against one server.
    expect(scenario!.verdicts).toEqual([]);
    expect(results.notes.some((n) => n.startsWith('--standalone:'))).toBe(true);
    // The proxies' own CPU and memory are measured, twemproxy's too.
    for (const run of scenario!.runs.filter((r) => r.endpoint !== 'direct')) {
      expect(run.gatewayCpuCores).toBeGreaterThan(0);
      expect(run.gatewayRssPeakMb).toBeGreaterThan(0);
    }

    // Everything it started is gone.
    for (const e of results.endpoints) {
      const port = Number(/:(\d+)/.exec(e.address)![1]);
      expect(await pingOk(port), e.name).toBe(false);
    }
  });

  it('rejects an unknown scenario and a malformed --compare before starting anything', async () => {
    await expect(bench(['--scenarios', 'a,zz'])).rejects.toThrow(/unknown scenario 'zz'/);
    await expect(bench(['--compare', 'envoy:6390'])).rejects.toThrow(/NAME=HOST:PORT/);
    await expect(bench(['--standalone', '--cluster', '127.0.0.1:7000'])).rejects.toThrow(/--standalone/);
  });
});
