// What the SDK tests run against: the real HTTP/WebSocket server in front of an in-process gateway,
// restartable on the same port (to cut every connection), and a counting proxy in front of it that
// records each HTTP request and can drop or cut chosen ones — the server itself stays real.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultConfig, type SlotwayConfig } from '../../src/config/schema.js';
import { type HttpServer, startHttpServer } from '../../src/http/http-server.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { TestGateway } from '../support/gateway.js';

export const TOKEN = 'sdk-test-token-0123456789';
/** A token limited to one request per second, for the 429 / Retry-After path. */
export const SLOW_TOKEN = 'sdk-slow-token-0123456789';

export type HttpConfig = SlotwayConfig['http'];

export function httpConfig(overrides: Partial<HttpConfig> = {}): HttpConfig {
  return {
    ...defaultConfig().http,
    host: '127.0.0.1',
    port: 0,
    tokens: [
      { token: TOKEN, scope: 'full' },
      { token: SLOW_TOKEN, scope: 'full', rateLimitPerSecond: 1 },
    ],
    ...overrides,
  };
}

/** The HTTP server, which can be stopped and started again on the same port. */
export class RestartableHttpServer {
  private server: HttpServer | null = null;
  port = 0;

  constructor(
    private readonly gw: TestGateway,
    private readonly config: HttpConfig,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = await startHttpServer(this.gw.gateway, { ...this.config, port: this.port }, silentLogger, {
      gatewayPort: this.gw.port,
    });
    this.port = this.server.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    await server?.close();
  }

  /** Closes every connection (HTTP and WebSocket) and comes back on the same port after `downMs`. */
  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }
}

export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
}

/** What the proxy does with the next request. */
export type Fault =
  /** Close the client's connection without forwarding: the server never sees the request. */
  | 'drop'
  /** Forward, let the server answer, then close the client's connection instead of replying. */
  | 'cut-after-forward';

export class CountingProxy {
  readonly requests: ProxiedRequest[] = [];
  private readonly faults: Fault[] = [];
  private server: http.Server | null = null;
  private readonly agent = new http.Agent({ keepAlive: true });
  port = 0;

  constructor(private readonly target: () => number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Applies `fault` to the next request (queued, in order). */
  inject(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  /** Requests to `path` since the last reset. */
  count(path?: string): number {
    return path === undefined ? this.requests.length : this.requests.filter((r) => r.path === path).length;
  }

  reset(): void {
    this.requests.length = 0;
    this.faults.length = 0;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.requests.push({
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          body: body.toString('utf8'),
        });
        const fault = this.faults.shift();
        if (fault === 'drop') {
          req.socket.destroy();
          return;
        }
        const upstream = http.request(
          {
            host: '127.0.0.1',
            port: this.target(),
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: `127.0.0.1:${this.target()}` },
            agent: this.agent,
          },
          (answer) => {
            const parts: Buffer[] = [];
            answer.on('data', (c: Buffer) => parts.push(c));
            answer.on('end', () => {
              if (fault === 'cut-after-forward') {
                req.socket.destroy();
                return;
              }
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              res.end(Buffer.concat(parts));
            });
          },
        );
        upstream.on('error', () => req.socket.destroy());
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
