// Entry point of a load-generator process, forked by `slotway bench` (see generator-protocol.ts).
// Runs in its own process so the load it offers is not limited by the bench's or the gateway's event
// loop; reports its own CPU use so the report can show it was not the bottleneck.

import net from 'node:net';
import type { FromGenerator, LoadJob, LoadResult, ToGenerator } from './generator-protocol.js';
import { LatencyHistogram } from './latency-histogram.js';
import { type Endpoint, LoadClient, LoadStats } from './load-client.js';
import { ReplyCounter } from './reply-counter.js';
import { buildRequests, type PreparedRequest } from './workload.js';

const CONNECT_TIMEOUT_MS = 10_000;
/** Idle connections opened at once, so the listener's accept backlog never overflows. */
const IDLE_BATCH = 200;
const PING = Buffer.from('*1\r\n$4\r\nPING\r\n');

const rings = new Map<string, PreparedRequest[]>();
let prepared: { job: LoadJob; clients: LoadClient[] } | null = null;
let idle: net.Socket[] = [];

function send(message: FromGenerator): void {
  process.send?.(message);
}

function ringFor(job: LoadJob): PreparedRequest[] {
  const key = JSON.stringify([job.workload, job.slotNodes === null ? 0 : job.endpoints.length, job.seed]);
  let ring = rings.get(key);
  if (!ring) {
    const slotNodes = job.slotNodes;
    ring = buildRequests(job.workload, slotNodes ? (slot) => slotNodes[slot]! : null, job.seed);
    rings.set(key, ring);
  }
  return ring;
}

async function prepare(job: LoadJob): Promise<void> {
  const ring = ringFor(job);
  const stats = new LoadStats(new LatencyHistogram());
  const clients: LoadClient[] = [];
  for (let i = 0; i < job.connections; i++) {
    const start = Math.floor((i * ring.length) / Math.max(1, job.connections));
    clients.push(new LoadClient(job.endpoints, ring, start, job.pipeline, stats, job.ratePerSec === null));
  }
  try {
    await Promise.all(clients.map((c) => c.connect(CONNECT_TIMEOUT_MS)));
  } catch (err) {
    for (const c of clients) c.close();
    throw err;
  }
  prepared = { job, clients };
  run.stats = stats;
}

/** State of the run in progress. */
const run = { stats: null as LoadStats | null };

function go(): void {
  if (!prepared || !run.stats) throw new Error('go before prepare');
  const { job, clients } = prepared;
  const stats = run.stats;
  prepared = null;
  const t0 = performance.now();
  let pacer: NodeJS.Timeout | null = null;
  let late = 0;
  let lateAtStart = 0;
  if (job.ratePerSec === null) {
    for (const c of clients) {
      c.running = true;
      c.fill(t0);
    }
  } else {
    const rate = job.ratePerSec;
    let issued = 0;
    let next = 0;
    for (const c of clients) c.running = true;
    // Open loop: every millisecond, send what the schedule says is due — on idle connections
    // first, as a pool would; if none is idle, queued behind earlier requests round-robin. Only
    // when every connection's window is full is a request counted late (and not sent).
    pacer = setInterval(() => {
      const now = performance.now();
      let due = Math.floor((rate * (now - t0)) / 1000) - issued;
      const touched = new Set<LoadClient>();
      for (let i = 0; due > 0 && i < clients.length; i++) {
        const c = clients[(next + i) % clients.length]!;
        if (c.outstanding === 0 && c.issue(now)) {
          touched.add(c);
          issued++;
          due--;
        }
      }
      let full = 0;
      while (due > 0 && full < clients.length) {
        const c = clients[next]!;
        next = next + 1 === clients.length ? 0 : next + 1;
        if (c.issue(now)) {
          touched.add(c);
          issued++;
          due--;
          full = 0;
        } else {
          full++;
        }
      }
      if (due > 0) {
        late += due;
        issued += due;
      }
      for (const c of touched) c.flush();
    }, 1);
  }
  let errorsAtStart = 0;
  let cpuAtStart = process.cpuUsage();
  let measuredFrom = 0;
  setTimeout(() => {
    stats.histogram.reset();
    stats.completed = 0;
    stats.measuring = true;
    errorsAtStart = sumErrors(clients);
    lateAtStart = late;
    cpuAtStart = process.cpuUsage();
    measuredFrom = performance.now();
    send({ type: 'measuring' });
    setTimeout(() => {
      const elapsedMs = performance.now() - measuredFrom;
      stats.measuring = false;
      const cpu = process.cpuUsage(cpuAtStart);
      if (pacer) clearInterval(pacer);
      for (const c of clients) c.running = false;
      const result: LoadResult = {
        completed: stats.completed,
        elapsedMs,
        histogram: stats.histogram.snapshot(),
        errors: sumErrors(clients) - errorsAtStart,
        connectionErrors: stats.connectionErrors,
        cpuMs: (cpu.user + cpu.system) / 1000,
        late: late - lateAtStart,
      };
      send({ type: 'result', result });
      for (const c of clients) c.close();
    }, job.durationMs);
  }, job.warmupMs);
}

function sumErrors(clients: readonly LoadClient[]): number {
  let n = 0;
  for (const c of clients) n += c.errors;
  return n;
}

/** Opens `count` connections round-robin over `endpoints`, each proven live with one PING. */
async function hold(endpoints: readonly Endpoint[], count: number): Promise<void> {
  let opened = 0;
  let failed = 0;
  for (let base = 0; base < count; base += IDLE_BATCH) {
    const batch: Promise<void>[] = [];
    for (let i = base; i < Math.min(count, base + IDLE_BATCH); i++) {
      const endpoint = endpoints[i % endpoints.length]!;
      batch.push(
        pingOnce(endpoint).then(
          (socket) => {
            idle.push(socket);
            opened++;
          },
          () => {
            failed++;
          },
        ),
      );
    }
    await Promise.all(batch);
  }
  send({ type: 'holding', opened, failed });
}

function pingOnce(endpoint: Endpoint): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: endpoint.host, port: endpoint.port });
    const counter = new ReplyCounter();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('idle connection did not answer PING'));
    }, CONNECT_TIMEOUT_MS);
    socket.once('connect', () => socket.write(PING));
    socket.on('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
    const onData = (chunk: Buffer) => {
      if (counter.feed(chunk) > 0) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve(socket);
      }
    };
    socket.on('data', onData);
  });
}

function release(): void {
  for (const socket of idle) socket.destroy();
  idle = [];
  send({ type: 'released' });
}

function fail(err: unknown): void {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
}

process.on('message', (message: ToGenerator) => {
  switch (message.type) {
    case 'prepare':
      prepare(message.job).then(() => send({ type: 'prepared' }), fail);
      return;
    case 'go':
      try {
        go();
      } catch (err) {
        fail(err);
      }
      return;
    case 'hold':
      hold(message.endpoints, message.count).catch(fail);
      return;
    case 'release':
      release();
      return;
  }
});
// The bench going away (even by SIGKILL) closes the channel: nothing is left behind.
process.on('disconnect', () => process.exit(0));
