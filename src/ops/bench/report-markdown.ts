// results.md: the results table (scenario, endpoint, ops/s, p50, p99, ratio to direct, target,
// met / missed by how much), then where the CPU went, the idle-clients numbers and the
// redis-benchmark cross-check. Written from results.json alone.

import type { BenchResults, ScenarioResult } from './bench-results.js';

const num = (n: number | null, digits = 2): string =>
  n === null || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits);

const ops = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');

function table(header: string[], align: Array<'l' | 'r'>, rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${align.map((a) => (a === 'r' ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`),
  ];
}

function resultRows(s: ScenarioResult): string[][] {
  return s.endpoints.map((e, i) => {
    const verdict = s.verdicts.find((v) => v.endpoint === e.endpoint);
    const errors = e.errors > 0 ? ` (${e.errors} errors!)` : '';
    return [
      i === 0 ? `**${s.id}** ${s.title}` : '',
      e.endpoint,
      `${ops(e.opsPerSec)}${errors}`,
      num(e.p50Ms, 3),
      num(e.p99Ms, 3),
      e.endpoint === 'direct' ? '1.00' : num(e.ratio),
      verdict && verdict.status !== 'none' ? verdict.target : '',
      verdict && verdict.status !== 'none' ? verdict.detail : '',
    ];
  });
}

export function renderMarkdown(results: BenchResults): string {
  const m = results.machine;
  const st = results.settings;
  const lines: string[] = [
    `# slotway bench — ${results.startedAt}`,
    '',
    `Command: \`${results.command}\``,
    '',
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGb} GB RAM, ${m.platform}, Node ${m.node}, ` +
      `server ${m.server}; load average at start ${m.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}, ` +
      `at end ${m.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')}. Everything (servers, gateway, ` +
      'load generator) runs on this one machine.',
    '',
    `Method: cluster ${st.cluster}; ${results.endpoints.map((e) => `${e.name} = ${e.address}`).join(', ')}. ` +
      `${st.generators} load-generator process(es), the same for every endpoint (cluster-aware towards the ` +
      `cluster). Each scenario runs ${st.durationMs / 1000} s after ${st.warmupMs / 1000} s of warm-up, ` +
      `${st.rounds} round(s), endpoints in rotating order. ops/s, p50 and p99 are medians of the rounds; ` +
      '"vs direct" is the endpoint\'s median ops/s over the direct median.',
    '',
    '## Results',
    '',
    ...table(
      ['Scenario', 'Endpoint', 'ops/s', 'p50 ms', 'p99 ms', 'vs direct', 'Target', 'Result'],
      ['l', 'l', 'r', 'r', 'r', 'r', 'l', 'l'],
      results.scenarios.flatMap(resultRows),
    ),
    '',
    "Units: ops/s counts each scenario's request — one command for a, b, e, f, g; one MGET of 10 keys " +
      '(through an endpoint) or 10 pipelined GETs (direct) for c; one rate-limit request of 2 commands ' +
      'per descriptor key for d.',
    '',
    '## Load generator and CPU',
    '',
    'CPU in cores over the measured window (1.00 = one core fully busy), medians of rounds. A generator ' +
      'process near 1.00 would be the bottleneck; direct being fastest shows the same generator could ' +
      'offer more load than the slower endpoints took.',
    '',
    ...table(
      [
        'Scenario',
        'Endpoint',
        'generators',
        'busiest generator',
        'gateway',
        'redis-servers',
        'gateway writes/op',
        'check',
      ],
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'l'],
      results.scenarios.flatMap((s) =>
        s.endpoints.map((e, i) => [
          i === 0 ? s.id : '',
          e.endpoint,
          num(e.generatorCpuCores),
          num(e.generatorCpuMaxProcess),
          num(e.gatewayCpuCores),
          num(e.serverCpuCores),
          num(e.gatewayWritesPerOp),
          i === 0 ? s.generatorCheck.note : '',
        ]),
      ),
    ),
  ];
  const idle = results.scenarios.filter((s) => s.idleClients !== null);
  if (idle.length > 0) {
    lines.push(
      '',
      '## Idle clients',
      '',
      'Gateway RSS is summed over its processes (with --workers N: the primary and every worker, each ' +
        'counting the shared Node binary pages again); "private" is their anonymous memory only. Primary ' +
        'connections are client connections the cluster primaries hold: through a gateway they must not ' +
        'grow with the number of clients.',
      '',
    );
    lines.push(
      ...table(
        [
          'Scenario',
          'Endpoint',
          'round',
          'idle opened',
          'gateway RSS before MB',
          'gateway RSS peak MB',
          'of which private MB',
          'primary conns before',
          'primary conns with idle',
          'busy ops/s',
        ],
        ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
        idle.flatMap((s) =>
          s.runs
            .filter((r) => r.idle)
            .map((r) => [
              s.id,
              r.endpoint,
              String(r.round),
              `${r.idle!.opened}${r.idle!.failed ? ` (${r.idle!.failed} failed)` : ''}`,
              num(r.idle!.gatewayRssBeforeMb, 0),
              num(r.gatewayRssPeakMb, 0),
              num(r.gatewayAnonPeakMb, 0),
              String(r.idle!.primaryConnectionsBefore ?? 'n/a'),
              String(r.idle!.primaryConnectionsWithIdle ?? 'n/a'),
              ops(r.opsPerSec),
            ]),
        ),
      ),
    );
  }
  if (results.crossCheck.length > 0) {
    lines.push(
      '',
      '## Cross-check with redis-benchmark',
      '',
      'redis-benchmark (`--cluster` towards the cluster), same connections, pipeline, value size and key ' +
        'range; it runs SET and GET as separate tests, so compare ratios rather than absolute numbers. ' +
        'Towards a cluster it binds each connection to one node and only uses keys of that node, so its ' +
        'pipelines are never split across nodes: a best case for direct that a cluster-aware application ' +
        'with random keys (our generator) does not get — with pipeline 16 every batch becomes ~3 smaller ' +
        'per-node writes.',
      '',
      ...table(
        ['Scenario', 'Endpoint', 'test', 'requests/s', 'p50 ms', 'p99 ms'],
        ['l', 'l', 'l', 'r', 'r', 'r'],
        results.crossCheck.map((c) => [
          c.scenario,
          c.endpoint,
          c.test,
          ops(c.requestsPerSec),
          num(c.p50Ms, 3),
          num(c.p99Ms, 3),
        ]),
      ),
    );
  }
  if (results.notes.length > 0) lines.push('', '## Notes', '', ...results.notes.map((n) => `- ${n}`));
  lines.push('');
  return lines.join('\n');
}
