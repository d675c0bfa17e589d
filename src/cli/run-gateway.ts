// Runs a gateway (plus its admin listener and, when enabled, the HTTP API) until SIGINT/SIGTERM, then
// drains and closes it. Shared by `slotway start` and `slotway dev`.

import type { SlotwayConfig } from '../config/schema.js';
import type { Gateway } from '../gateway/gateway.js';
import { gatewayFromConfig } from '../gateway/gateway-from-config.js';
import { type HttpServer, startHttpServer } from '../http/http-server.js';
import { type AdminServer, startAdminServer } from '../observability/admin-server.js';
import type { Logger } from '../observability/logger.js';
import { tuneHeapForGateway } from './heap-tuning.js';

export interface RunningGateway {
  gateway: Gateway;
  admin: AdminServer;
  /** The HTTP REST / WebSocket API; null when http.enabled is false. */
  http: HttpServer | null;
  port: number;
  stop(): Promise<void>;
}

export async function startGatewayWithAdmin(config: SlotwayConfig, logger: Logger): Promise<RunningGateway> {
  tuneHeapForGateway();
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
  let httpServer: HttpServer | null = null;
  if (config.http.enabled) {
    try {
      httpServer = await startHttpServer(gateway, config.http, logger, { gatewayPort: port });
    } catch (err) {
      await admin.close();
      await gateway.close();
      throw err;
    }
  }
  return {
    gateway,
    admin,
    http: httpServer,
    port,
    async stop() {
      // HTTP first: its requests run through the gateway, which then drains what they sent.
      await httpServer?.close();
      await gateway.drain();
      await admin.close();
    },
  };
}
