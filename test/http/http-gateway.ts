// Test harness for the HTTP API: a gateway (test/support/gateway.ts) with the HTTP server started on
// top of it on a free port, stopped in afterAll. Plain fetch helpers for the raw protocol.

import { afterAll, beforeAll } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { type HttpConfig, type HttpServer, startHttpServer } from '../../src/http/http-server.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { LocalCluster } from '../support/cluster.js';
import { type ConfigOverrides, startTestGateway, type TestGateway } from '../support/gateway.js';

export interface HttpGateway {
  gateway: TestGateway;
  http: HttpServer;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
}

export function useHttpGateway(
  cluster: () => LocalCluster,
  http: Partial<HttpConfig> = {},
  overrides: ConfigOverrides = {},
): () => HttpGateway {
  let current: HttpGateway | undefined;
  beforeAll(async () => {
    const gateway = await startTestGateway(cluster(), overrides);
    try {
      const config: HttpConfig = { ...defaultConfig().http, port: 0, ...http };
      const server = await startHttpServer(gateway.gateway, config, silentLogger, {
        gatewayPort: gateway.port,
      });
      current = { gateway, http: server, url: `http://127.0.0.1:${server.port}` };
    } catch (err) {
      await gateway.stop();
      throw err;
    }
  });
  afterAll(async () => {
    await current?.http.close(1000);
    await current?.gateway.stop();
  });
  return () => {
    if (!current) throw new Error('HTTP gateway not started');
    return current;
  };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** fetch + JSON body (null when the body is empty or not JSON). */
export async function request(url: string, init: RequestInit = {}): Promise<JsonResponse> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** POST a JSON body. */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  return request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}
