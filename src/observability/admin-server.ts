// The admin HTTP listener: Prometheus /metrics, /healthz (the process is up) and /readyz (ready only
// when the topology is loaded and every one of the 16384 slots has an owner).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gateway } from '../gateway/gateway.js';
import { SLOT_COUNT } from '../topology/slot-hash.js';
import { createGatewayMetrics } from './metrics.js';

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

export async function startAdminServer(gateway: Gateway, host: string, port: number): Promise<AdminServer> {
  const { registry } = createGatewayMetrics(gateway);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        },
        (err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(err.message);
        },
      );
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok' }));
      return;
    }
    if (path === '/readyz') {
      const covered = gateway.topology.loaded ? gateway.topology.map.coveredSlots() : 0;
      const ready = covered === SLOT_COUNT;
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ready, slotsCovered: covered, slotsTotal: SLOT_COUNT }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'not found', endpoints: ['/metrics', '/healthz', '/readyz'] }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
