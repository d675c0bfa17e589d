// Cross-check with redis-benchmark, a C load generator: the GET/SET scenarios run once more with it
// (`--cluster` towards the cluster), sized to last about as long as a round. If its direct/Slotway
// ratio agrees with ours, our Node load generator is not what shapes the comparison.

import { spawn, spawnSync } from 'node:child_process';
import type { CrossCheckRow } from './bench-results.js';
import type { Endpoint } from './load-client.js';
import type { Scenario } from './scenarios.js';

export function redisBenchmarkAvailable(bin = 'redis-benchmark'): boolean {
  const probe = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 5000 });
  return probe.status === 0;
}

export interface CrossCheckTarget {
  endpoint: string;
  address: Endpoint;
  cluster: boolean;
  /** Our median ops/s for this endpoint, to size the request count. */
  opsPerSec: number;
}

/** Runs SET and GET tests shaped like `scenario` against `target`. */
export async function crossCheck(
  scenario: Scenario,
  target: CrossCheckTarget,
  durationMs: number,
  signal?: AbortSignal,
): Promise<CrossCheckRow[]> {
  if (scenario.workload.kind !== 'get-set') return [];
  const requests = Math.max(10_000, Math.round((target.opsPerSec * durationMs) / 1000));
  const args = [
    ...(target.cluster ? ['--cluster'] : []),
    '-h',
    target.address.host,
    '-p',
    String(target.address.port),
    '-c',
    String(scenario.connections),
    '-n',
    String(requests),
    '-P',
    String(scenario.pipeline),
    '-d',
    String(scenario.workload.valueBytes),
    '-r',
    String(scenario.workload.keys),
    '-t',
    'set,get',
    '--csv',
  ];
  const output = await runBounded('redis-benchmark', args, 4 * durationMs + 30_000, signal);
  return parseCsv(output).map((row) => ({
    scenario: scenario.id,
    endpoint: target.endpoint,
    test: row.test,
    requestsPerSec: row.rps,
    p50Ms: row.p50,
    p99Ms: row.p99,
  }));
}

function runBounded(bin: string, args: string[], timeoutMs: number, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    const kill = () => child.kill('SIGKILL');
    const timer = setTimeout(kill, timeoutMs);
    signal?.addEventListener('abort', kill, { once: true });
    child.once('error', reject);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      if (code === 0) resolve(out);
      else reject(new Error(`${bin} ${args.join(' ')} failed (${sig ?? `exit ${code}`}): ${err.trim()}`));
    });
  });
}

/** Rows of `redis-benchmark --csv`: "test","rps","avg_latency_ms","min…","p50…","p95…","p99…","max…". */
export function parseCsv(
  text: string,
): Array<{ test: string; rps: number; p50: number | null; p99: number | null }> {
  const lines = text.split(/\r?\n/).filter((l) => l.startsWith('"'));
  const header = (lines[0] ?? '').split(',').map((h) => h.replace(/"/g, ''));
  const col = (name: string) => header.indexOf(name);
  const rows: Array<{ test: string; rps: number; p50: number | null; p99: number | null }> = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(',').map((c) => c.replace(/"/g, ''));
    const get = (name: string) => {
      const i = col(name);
      return i >= 0 && cells[i] !== undefined ? Number(cells[i]) : null;
    };
    rows.push({
      test: cells[0] ?? '?',
      rps: get('rps') ?? Number.NaN,
      p50: get('p50_latency_ms'),
      p99: get('p99_latency_ms'),
    });
  }
  return rows;
}
