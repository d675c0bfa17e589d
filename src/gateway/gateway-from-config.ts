// Builds a Gateway from the validated configuration: picks the topology source for the backend
// mode (cluster discovery or one standalone server) and maps settings onto gateway options.

import { readFileSync } from 'node:fs';
import type tls from 'node:tls';
import type { BackendConnectOptions } from '../backend/connect-options.js';
import { parseEndpoint } from '../config/endpoint.js';
import type { SlotwayConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { ClusterSource } from '../topology/cluster-source.js';
import { nodeAddress } from '../topology/slot-map.js';
import { StandaloneSource } from '../topology/standalone-source.js';
import type { TopologySource } from '../topology/topology-source.js';
import { Gateway } from './gateway.js';

export function gatewayFromConfig(config: SlotwayConfig, logger: Logger): Gateway {
  const b = config.backend;
  const standaloneText = b.mode === 'standalone' ? (b.url ?? b.nodes[0]) : undefined;
  const endpoints = standaloneText ? [parseEndpoint(standaloneText)] : b.nodes.map((n) => parseEndpoint(n));
  const first = endpoints[0];
  const useTls = b.tls.enabled || endpoints.some((e) => e.tls);
  const tlsOptions: tls.ConnectionOptions | undefined = useTls
    ? {
        rejectUnauthorized: b.tls.rejectUnauthorized,
        ...(b.tls.caFile ? { ca: readFileSync(b.tls.caFile) } : {}),
        ...(b.tls.certFile ? { cert: readFileSync(b.tls.certFile) } : {}),
        ...(b.tls.keyFile ? { key: readFileSync(b.tls.keyFile) } : {}),
        ...(b.tls.servername ? { servername: b.tls.servername } : {}),
      }
    : undefined;
  const connect: BackendConnectOptions = {
    username: first?.username ?? b.username,
    password: first?.password ?? b.password,
    tls: tlsOptions,
    connectTimeoutMs: b.connectTimeoutMs,
    commandTimeoutMs: b.commandTimeoutMs,
  };
  const addresses = endpoints.map((e) => nodeAddress(e.host, e.port));
  const source: TopologySource =
    b.mode === 'standalone' ? new StandaloneSource(addresses[0]!) : new ClusterSource(addresses, connect);
  const l = config.listen;
  return new Gateway(source, {
    host: l.host,
    port: l.port,
    unixSocket: l.unixSocket,
    backend: {
      ...connect,
      connectionsPerNode: b.connectionsPerNode,
      healthCheckMs: b.healthCheckMs,
      durability:
        config.durability.waitReplicas > 0
          ? {
              replicas: config.durability.waitReplicas,
              timeoutMs: config.durability.timeoutMs,
              aof: config.durability.waitAof,
            }
          : null,
    },
    readFrom: b.readFrom,
    maxRetries: b.maxRetries,
    retryDelayMs: b.retryDelayMs,
    retryTimeoutMs: b.retryTimeoutMs,
    idleTimeoutMs: l.idleTimeoutMs,
    topologyRefreshMs: b.topologyRefreshMs,
    maxClients: l.maxClients,
    maxRequestBytes: l.maxRequestBytes,
    clientOutputBufferBytes: l.clientOutputBufferBytes,
    password: config.auth.password,
    tls: l.tls.enabled
      ? {
          cert: readFileSync(l.tls.certFile!),
          key: readFileSync(l.tls.keyFile!),
          ...(l.tls.caFile ? { ca: readFileSync(l.tls.caFile) } : {}),
          ...(l.tls.port !== undefined ? { port: l.tls.port } : {}),
        }
      : undefined,
    users: config.auth.users.map((u) => ({ name: u.name, password: u.password, readOnly: u.readOnly })),
    logger,
  });
}
