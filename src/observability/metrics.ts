// Prometheus metrics for the gateway. Hot-path counters are plain fields (GatewayStats, per-command
// counts) read at scrape time through collect callbacks, so recording costs an increment per command.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Gateway } from '../gateway/gateway.js';

export interface GatewayMetrics {
  registry: Registry;
}

export function createGatewayMetrics(gateway: Gateway): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'slotway_process_' });
  const stats = gateway.stats;

  const counter = (name: string, help: string, read: () => number) =>
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
  counter('slotway_clients_connected', 'client connections open now', () => stats.clientsConnected);
  counter('slotway_clients_accepted_total', 'client connections accepted', () => stats.clientsTotal);
  counter(
    'slotway_clients_rejected_total',
    'client connections refused at maxClients',
    () => stats.clientsRejected,
  );
  counter('slotway_backend_inflight_commands', 'commands waiting for a backend reply', () =>
    gateway.pool.outstanding(),
  );
  counter('slotway_slots_covered', 'hash slots with a known owner (16384 when healthy)', () =>
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

  new Gauge({
    name: 'slotway_errors_total',
    help: 'errors by kind',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.set({ kind: 'crossslot' }, stats.crossSlot);
      this.set({ kind: 'protocol' }, stats.protocolErrors);
      this.set({ kind: 'backend_connection' }, stats.connectionFailures);
    },
  });

  const commands = new Counter({
    name: 'slotway_commands_total',
    help: 'commands received, by command',
    labelNames: ['command'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'slotway_command_duration_seconds',
    help: 'time from a command being parsed to its reply being queued for the client',
    labelNames: ['command'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  gateway.commandObserver = {
    count: (name) => commands.labels(name),
    latency: (name) => latency.labels(name),
  };
  return { registry };
}
