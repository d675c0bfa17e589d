// Starts an in-process Slotway gateway in front of a LocalCluster for integration tests, on a free
// port, with the admin listener. Everything it starts is closed by `stop()` / the vitest hooks.

import { afterAll, beforeAll } from 'vitest';
import { AdminClient } from '../../src/backend/admin-client.js';
import { defaultConfig, type SlotwayConfig } from '../../src/config/schema.js';
import type { Gateway } from '../../src/gateway/gateway.js';
import { gatewayFromConfig } from '../../src/gateway/gateway-from-config.js';
import { type AdminServer, startAdminServer } from '../../src/observability/admin-server.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { LocalCluster } from '../../src/ops/local-cluster.js';

export interface TestGateway {
  gateway: Gateway;
  port: number;
  adminPort: number;
  /** A fresh control-plane client connected to the gateway. */
  client(): Promise<AdminClient>;
  stop(): Promise<void>;
}

export type ConfigOverrides = {
  [K in keyof SlotwayConfig]?: SlotwayConfig[K] extends object ? Partial<SlotwayConfig[K]> : SlotwayConfig[K];
};

/** Starts a gateway for `cluster` (cluster or standalone mode follows the cluster's mode). */
export async function startTestGateway(
  cluster: LocalCluster,
  overrides: ConfigOverrides = {},
): Promise<TestGateway> {
  const base = defaultConfig();
  const config: SlotwayConfig = {
    ...base,
    ...overrides,
    backend: {
      ...base.backend,
      mode: cluster.mode,
      nodes: cluster.mode === 'cluster' ? cluster.seeds : [],
      url: cluster.mode === 'standalone' ? `redis://${cluster.seeds[0]}` : undefined,
      topologyRefreshMs: 1000,
      ...overrides.backend,
    },
    listen: { ...base.listen, port: 0, ...overrides.listen },
    admin: { ...base.admin, port: 0, ...overrides.admin },
    auth: { ...base.auth, ...overrides.auth },
  } as SlotwayConfig;
  const gateway = gatewayFromConfig(config, silentLogger);
  const port = await gateway.start();
  let admin: AdminServer;
  try {
    admin = await startAdminServer(gateway, '127.0.0.1', 0);
  } catch (err) {
    await gateway.close();
    throw err;
  }
  return {
    gateway,
    port,
    adminPort: admin.port,
    client: () => AdminClient.connect({ host: '127.0.0.1', port }),
    async stop() {
      await admin.close();
      await gateway.close();
    },
  };
}

/** vitest hooks: a gateway started after `cluster()` is up, stopped in afterAll. */
export function useGateway(cluster: () => LocalCluster, overrides: ConfigOverrides = {}): () => TestGateway {
  let gw: TestGateway | undefined;
  beforeAll(async () => {
    gw = await startTestGateway(cluster(), overrides);
  });
  afterAll(async () => {
    await gw?.stop();
  });
  return () => {
    if (!gw) throw new Error('gateway not started (useGateway must be called at describe level)');
    return gw;
  };
}
