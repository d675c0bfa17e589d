import { describe, expect, it } from 'vitest';
import {
  type BenchResults,
  generatorCheck,
  judge,
  median,
  type RunRecord,
  summarizeEndpoints,
} from './bench-results.js';
import { parseCsv } from './redis-benchmark-check.js';
import { renderChart } from './report-chart.js';
import { renderMarkdown } from './report-markdown.js';

function run(endpoint: string, round: number, opsPerSec: number, p50Ms: number, p99Ms: number): RunRecord {
  return {
    round,
    endpoint,
    opsPerSec,
    commandsPerSec: opsPerSec,
    p50Ms,
    p90Ms: p99Ms,
    p99Ms,
    p999Ms: p99Ms,
    meanMs: p50Ms,
    maxMs: p99Ms,
    errors: 0,
    connectionErrors: 0,
    late: 0,
    generatorCpuCores: 0.5,
    generatorCpuMaxProcess: 0.3,
    gatewayCpuCores: endpoint === 'direct' ? null : 0.9,
    serverCpuCores: 0.8,
    gatewayRssMb: endpoint === 'direct' ? null : 80,
    gatewayRssPeakMb: endpoint === 'direct' ? null : 90,
    gatewayAnonPeakMb: endpoint === 'direct' ? null : 50,
    gatewayReadsPerOp: endpoint === 'direct' ? null : 1,
    gatewayWritesPerOp: endpoint === 'direct' ? null : 1.5,
  };
}

const RUNS = [
  run('direct', 1, 100_000, 0.3, 1.0),
  run('slotway', 1, 70_000, 0.4, 1.5),
  run('direct', 2, 110_000, 0.3, 1.1),
  run('slotway', 2, 80_000, 0.5, 1.4),
  run('direct', 3, 90_000, 0.2, 0.9),
  run('slotway', 3, 75_000, 0.4, 1.6),
];

describe('summaries and verdicts', () => {
  const summaries = summarizeEndpoints(RUNS, ['direct', 'slotway']);

  it('takes medians of rounds and the ratio of medians', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const slotway = summaries.find((s) => s.endpoint === 'slotway')!;
    expect(slotway.opsPerSec).toBe(75_000);
    expect(slotway.ratio).toBeCloseTo(0.75);
    expect(slotway.roundRatios.map((r) => r.toFixed(3))).toEqual(['0.700', '0.727', '0.833']);
    expect(slotway.p50Ms).toBe(0.4);
  });

  it('says by how much a ratio target was missed', () => {
    const verdict = judge({ target: { kind: 'ratio', min: 0.85 } }, summaries, RUNS, 'slotway');
    expect(verdict.status).toBe('missed');
    expect(verdict.detail).toMatch(/^missed by 0\.10 \(0\.75 x direct; needs 13 % more throughput\)$/);
    expect(judge({ target: { kind: 'ratio', min: 0.7 } }, summaries, RUNS, 'slotway').status).toBe('met');
  });

  it('judges added latency against the direct medians', () => {
    const met = judge(
      { target: { kind: 'added-latency', p50Ms: 0.15, p99Ms: 1 } },
      summaries,
      RUNS,
      'slotway',
    );
    expect(met.status).toBe('met');
    expect(met.detail).toContain('added p50 0.100 ms, p99 0.500 ms');
    const missed = judge(
      { target: { kind: 'added-latency', p50Ms: 0.05, p99Ms: 1 } },
      summaries,
      RUNS,
      'slotway',
    );
    expect(missed.detail).toMatch(/^missed p50 by 0\.050 ms/);
  });

  it('checks that direct was fastest', () => {
    const check = generatorCheck({}, summaries, RUNS);
    expect(check.directFastest).toBe(true);
    expect(check.busiestProcessCores).toBe(0.3);
  });
});

describe('reports', () => {
  const results: BenchResults = {
    version: 1,
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:01:00.000Z',
    command: 'slotway bench --scenarios a',
    machine: {
      cpus: 2,
      cpuModel: 'test',
      memoryGb: 4,
      platform: 'linux',
      node: 'v20',
      server: '7.0.15',
      loadAverageAtStart: [1, 1, 1],
      loadAverageAtEnd: [1, 1, 1],
    },
    settings: { durationMs: 5000, warmupMs: 1000, rounds: 3, generators: 2, quick: false, cluster: 'local' },
    endpoints: [
      { name: 'direct', kind: 'cluster', address: 'x' },
      { name: 'slotway', kind: 'gateway', address: 'y', workers: 1 },
    ],
    scenarios: [
      {
        id: 'a',
        title: 'GET/SET <4:1>',
        unit: 'command',
        connections: 50,
        pipeline: 1,
        ratePerSec: null,
        idleClients: null,
        target: { kind: 'ratio', min: 0.85 },
        runs: RUNS,
        endpoints: summarizeEndpoints(RUNS, ['direct', 'slotway']),
        verdicts: [
          { endpoint: 'slotway', status: 'missed', target: '>= 0.85 x direct', detail: 'missed by 0.10' },
        ],
        generatorCheck: { directFastest: true, busiestProcessCores: 0.3, note: 'ok' },
      },
    ],
    crossCheck: [
      { scenario: 'a', endpoint: 'direct', test: 'SET', requestsPerSec: 1000, p50Ms: 0.1, p99Ms: 0.2 },
    ],
    notes: ['a note'],
  };

  it('renders one Markdown row per scenario and endpoint with ratio and verdict', () => {
    const md = renderMarkdown(results);
    expect(md).toContain('| Scenario | Endpoint | ops/s | p50 ms | p99 ms | vs direct | Target | Result |');
    expect(md).toContain('| **a** GET/SET <4:1> | direct | 100,000 | 0.300 | 1.000 | 1.00 |  |  |');
    expect(md).toContain(
      '|  | slotway | 75,000 | 0.400 | 1.500 | 0.75 | >= 0.85 x direct | missed by 0.10 |',
    );
    expect(md).toContain('## Cross-check with redis-benchmark');
    expect(md).toContain('- a note');
  });

  it('draws an SVG with a bar per scenario and endpoint, escaping text', () => {
    const svg = renderChart(results);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<rect [^>]*fill="#4e79a7"/g)?.length).toBeGreaterThanOrEqual(2);
    expect(svg).not.toContain('<4:1>');
    expect(svg).toContain('stroke-dasharray');
  });
});

describe('parseCsv', () => {
  it('reads redis-benchmark --csv output', () => {
    const rows = parseCsv(
      '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"\n' +
        '"SET","40000.00","0.086","0.024","0.079","0.127","0.271","2.647"\n',
    );
    expect(rows).toEqual([{ test: 'SET', rps: 40000, p50: 0.079, p99: 0.271 }]);
  });
});
