// Runs a gateway (plus its admin listener) until SIGINT/SIGTERM, then drains and closes it. Shared
// by `slotway start` and `slotway dev`.

import type { SlotwayConfig } from '../config/schema.js';
import type { Gateway } from '../gateway/gateway.js';
import { gatewayFromConfig } from '../gateway/gateway-from-config.js';
import { type AdminServer, startAdminServer } from '../observability/admin-server.js';
import type { Logger } from '../observability/logger.js';

export interface RunningGateway {
  gateway: Gateway;
  admin: AdminServer;
  port: number;
  stop(): Promise<void>;
}

export async function startGatewayWithAdmin(config: SlotwayConfig, logger: Logger): Promise<RunningGateway> {
  const gateway = gatewayFromConfig(config, logger);
  const port = await gateway.start();
  let admin: AdminServer;
  try {
    admin = await startAdminServer(gateway, config.admin.host, config.admin.port);
  } catch (err) {
    await gateway.close();
    throw err;
  }
  logger.info({ admin: `http://${config.admin.host}:${admin.port}/metrics` }, 'admin endpoints ready');
  return {
    gateway,
    admin,
    port,
    async stop() {
      await gateway.drain();
      await admin.close();
    },
  };
}
