// Prometheus metrics for the gateway. Hot-path counters are plain fields (GatewayStats, per-command
// counts) read at scrape time, so recording costs an increment per command.

import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Gateway } from '../gateway/gateway.js';
import { type CommandStatsRegistry, LATENCY_BUCKETS } from './command-stats.js';

export interface GatewayMetrics {
  registry: Registry;
}

export function createGatewayMetrics(gateway: Gateway): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'slotway_process_' });
  const stats = gateway.stats;

  const counter = (name: string, help: string, read: () => number) =>
    registry.registerMetric(
      scrapedMetric(name, help, 'counter', () => [{ labels: {}, value: read() }]) as never,
    );
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  counter('slotway_redirects_moved_total', 'MOVED replies followed', () => stats.moved);
  counter('slotway_redirects_ask_total', 'ASK replies followed', () => stats.ask);
  counter('slotway_tryagain_total', 'TRYAGAIN / CLUSTERDOWN / LOADING replies retried', () => stats.tryAgain);
  counter('slotway_retries_total', 'commands re-sent after a backoff', () => stats.retries);
  counter(
    'slotway_backend_connection_failures_total',
    'commands hit by a failed backend connection',
    () => stats.connectionFailures,
  );
  counter(
    'slotway_topology_refreshes_total',
    'topology refreshes attempted',
    () => gateway.topology.refreshCount,
  );
  counter(
    'slotway_topology_refresh_failures_total',
    'topology refreshes that failed',
    () => gateway.topology.refreshFailures,
  );
  gauge('slotway_clients_connected', 'client connections open now', () => stats.clientsConnected);
  counter('slotway_clients_accepted_total', 'client connections accepted', () => stats.clientsTotal);
  counter(
    'slotway_clients_rejected_total',
    'client connections refused at maxClients',
    () => stats.clientsRejected,
  );
  gauge('slotway_backend_inflight_commands', 'commands waiting for a backend reply', () =>
    gateway.pool.outstanding(),
  );
  gauge('slotway_slots_covered', 'hash slots with a known owner (16384 when healthy)', () =>
    gateway.topology.loaded ? gateway.topology.map.coveredSlots() : 0,
  );

  new Gauge({
    name: 'slotway_backend_connections',
    help: 'open backend connections per node',
    labelNames: ['node'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [node, n] of gateway.pool.connectionCounts()) this.set({ node }, n);
    },
  });

  registry.registerMetric(
    scrapedMetric('slotway_errors_total', 'errors by kind', 'counter', () => [
      { labels: { kind: 'crossslot' }, value: stats.crossSlot },
      { labels: { kind: 'protocol' }, value: stats.protocolErrors },
      { labels: { kind: 'backend_connection' }, value: stats.connectionFailures },
    ]) as never,
  );

  registry.registerMetric(commandCallsMetric(gateway.commandStats) as never);
  registry.registerMetric(commandLatencyMetric(gateway.commandStats) as never);
  return { registry };
}

interface MetricValue {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A metric whose values are read when Prometheus scrapes (a prom-client custom metric), so the hot
 * path only bumps plain fields; `_total` series are exposed with the counter type they are.
 */
function scrapedMetric(name: string, help: string, type: 'counter' | 'histogram', read: () => MetricValue[]) {
  return {
    name,
    help,
    type,
    aggregator: 'sum',
    get() {
      return { name, help, type, aggregator: this.aggregator, values: read() };
    },
    reset() {},
  };
}

/** Calls per command, read from CommandStats at scrape time. */
function commandCallsMetric(stats: CommandStatsRegistry) {
  return scrapedMetric('slotway_commands_total', 'commands received, by command', 'counter', () => {
    const values: MetricValue[] = [];
    for (const s of stats.all()) values.push({ labels: { command: s.name }, value: s.calls });
    return values;
  });
}

/** Latency per command, a histogram read from CommandStats at scrape time. */
function commandLatencyMetric(stats: CommandStatsRegistry) {
  const name = 'slotway_command_duration_seconds';
  const help = 'time from a command being parsed to its reply being ready for the client, by command';
  return scrapedMetric(name, help, 'histogram', () => {
    const values: MetricValue[] = [];
    for (const s of stats.all()) {
      let cumulative = 0;
      for (let i = 0; i <= LATENCY_BUCKETS.length; i++) {
        cumulative += s.buckets[i]!;
        const le = i < LATENCY_BUCKETS.length ? LATENCY_BUCKETS[i]! : '+Inf';
        values.push({ metricName: `${name}_bucket`, labels: { command: s.name, le }, value: cumulative });
      }
      values.push({ metricName: `${name}_sum`, labels: { command: s.name }, value: s.latencySum });
      values.push({ metricName: `${name}_count`, labels: { command: s.name }, value: s.latencyCount });
    }
    return values;
  });
}
