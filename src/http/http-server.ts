// The HTTP listener: CORS, token authentication and rate limits in front of three route families —
// typed routes (/v1, /cluster, health), the Upstash REST protocol (everything else) and the
// WebSocket endpoint (/ws). Commands reach Redis through the gateway's own RESP listener.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { SlotwayConfig } from '../config/schema.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Logger } from '../observability/logger.js';
import { ANONYMOUS, ApiTokens, checkRateLimit, type Principal, presentedToken } from './api-tokens.js';
import { CommandRunner } from './command-runner.js';
import { CorsPolicy, checkLoopbackHost } from './cors.js';
import { GatewayLink, linkTargetOf } from './gateway-link.js';
import { type Handler, type HttpContext, readBody } from './http-context.js';
import { asHttpError, errorBody, HttpError, notFound, sendError } from './http-errors.js';
import { openApiDocument } from './openapi.js';
import { Router } from './router.js';
import { serveTypedRoute, type TypedRoute } from './typed/typed-route.js';
import { clusterRoutes, dataRoutes, healthRoutes } from './typed/typed-routes.js';
import { addUpstashRoutes } from './upstash-routes.js';
import { WsSession } from './ws-session.js';

export type HttpConfig = SlotwayConfig['http'];

export interface HttpServer {
  readonly host: string;
  readonly port: number;
  /**
   * Stops accepting, ends subscription streams and WebSockets, lets requests in flight finish for up
   * to `timeoutMs`, then closes everything.
   */
  close(timeoutMs?: number): Promise<void>;
}

export interface HttpServerOptions {
  /** Port the gateway's RESP listener is bound to (needed when listen.port is 0). */
  gatewayPort?: number;
  /** Shared internal connections to the gateway. */
  linkConnections?: number;
  /** Largest request body accepted; the gateway's maxRequestBytes by default. */
  maxBodyBytes?: number;
}

const VERSION = '0.1.0';
const MAX_BODY_DEFAULT = 64 * 1024 * 1024;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Paths served by the typed routers (/v1, /cluster); everything else is the Upstash protocol. */
function isTypedPath(pathname: string): boolean {
  return (
    pathname === '/v1' ||
    pathname.startsWith('/v1/') ||
    pathname === '/cluster' ||
    pathname.startsWith('/cluster/')
  );
}

function splitUrl(url: string): { pathname: string; rawQuery: string } {
  const q = url.indexOf('?');
  return q < 0 ? { pathname: url, rawQuery: '' } : { pathname: url.slice(0, q), rawQuery: url.slice(q + 1) };
}

export async function startHttpServer(
  gateway: Gateway,
  config: HttpConfig,
  logger: Logger,
  options: HttpServerOptions = {},
): Promise<HttpServer> {
  const log = logger.child({ component: 'http' });
  const gatewayPort = options.gatewayPort ?? gateway.options.port;
  if (gatewayPort === 0)
    throw new Error('startHttpServer: pass the gateway port it is bound to (gatewayPort)');
  const tokens = new ApiTokens(config.tokens);
  const cors = new CorsPolicy(config.corsOrigins);
  // Without tokens anyone who can connect can run any command: only this machine may connect.
  const host = tokens.open && !isLoopback(config.host) ? '127.0.0.1' : config.host;
  const maxBody = options.maxBodyBytes ?? Math.min(gateway.options.maxRequestBytes, MAX_BODY_DEFAULT);
  const link = new GatewayLink(linkTargetOf(gateway, gatewayPort), {
    connections: options.linkConnections ?? 4,
  });
  const runner = new CommandRunner(link, () => gateway.commands);

  const typed = new Router<TypedRoute>();
  for (const route of [...dataRoutes, ...clusterRoutes]) typed.add(route.method, route.path, route);
  const publicRoutes = new Map(healthRoutes.map((r) => [r.path, r]));
  const upstash = new Router<Handler>();
  addUpstashRoutes(upstash, runner, link);
  const openapi = JSON.stringify(
    openApiDocument([...dataRoutes, ...clusterRoutes, ...healthRoutes], {
      open: tokens.open,
      version: VERSION,
    }),
  );

  const serve = async (ctx: HttpContext): Promise<void> => {
    const { pathname, method } = ctx;
    const routes = isTypedPath(pathname) ? typed : null;
    if (routes) {
      const match = routes.match(method === 'HEAD' ? 'GET' : method, pathname);
      if (match.kind === 'found') {
        ctx.params = match.params;
        await serveTypedRoute(match.handler, ctx, runner, gateway);
        return;
      }
      if (match.kind === 'wrong-method') throw methodNotAllowed(method, pathname, match.allowed);
      throw notFound(`no route ${pathname}; see /openapi.json`);
    }
    if (pathname === '/ws') {
      throw new HttpError(
        426,
        'UPGRADE_REQUIRED',
        'ERR /ws is a WebSocket endpoint; connect with a WebSocket client',
        {
          upgrade: 'websocket',
        },
      );
    }
    const match = upstash.match(method, pathname);
    if (match.kind === 'found') {
      ctx.params = match.params;
      await match.handler(ctx);
      return;
    }
    if (match.kind === 'wrong-method') throw methodNotAllowed(method, pathname, match.allowed);
    throw notFound(`no route ${pathname}`);
  };

  let inFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight++;
    const abandoned = new AbortController();
    res.once('close', () => {
      inFlight--;
      if (!res.writableFinished) abandoned.abort();
    });
    const method = req.method ?? 'GET';
    const { pathname, rawQuery } = splitUrl(req.url ?? '/');
    let headers: Record<string, string> = {};
    const fail = (err: unknown) => {
      const httpError = asHttpError(err);
      if (httpError.status >= 500) log.warn({ err, path: pathname }, 'HTTP request failed');
      sendError(res, httpError, headers);
    };
    try {
      if (tokens.open) checkLoopbackHost(req);
      headers = cors.headersFor(req);
      if (method === 'OPTIONS') {
        res.writeHead(204, { ...cors.preflightHeaders(req), allow: 'GET, HEAD, POST, PUT, DELETE, OPTIONS' });
        res.end();
        return;
      }
      if (pathname === '/openapi.json' && (method === 'GET' || method === 'HEAD')) {
        res.writeHead(200, {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(openapi),
        });
        res.end(method === 'HEAD' ? undefined : openapi);
        return;
      }
      const query = new URLSearchParams(rawQuery);
      const publicRoute = publicRoutes.get(pathname);
      if (publicRoute && method !== 'GET' && method !== 'HEAD') {
        throw methodNotAllowed(method, pathname, ['GET', 'HEAD']);
      }
      let principal: Principal = ANONYMOUS;
      if (!publicRoute) {
        principal = tokens.authenticate(presentedToken(req.headers, query));
        checkRateLimit(principal);
      }
      const ctx: HttpContext = {
        req,
        res,
        method,
        pathname,
        rawQuery,
        query,
        params: {},
        principal,
        headers,
        abandoned: abandoned.signal,
        body: () => readBody(req, maxBody),
      };
      if (publicRoute) {
        serveTypedRoute(publicRoute, ctx, runner, gateway).catch(fail);
        return;
      }
      serve(ctx).catch(fail);
    } catch (err) {
      fail(err);
    }
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxBody });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const { pathname, rawQuery } = splitUrl(req.url ?? '/');
    try {
      if (pathname !== '/ws') throw notFound(`no WebSocket endpoint at ${pathname}; use /ws`);
      if (tokens.open) checkLoopbackHost(req);
      cors.headersFor(req);
      const principal = tokens.authenticate(presentedToken(req.headers, new URLSearchParams(rawQuery), true));
      checkRateLimit(principal);
      wss.handleUpgrade(req, socket, head, (ws) => {
        new WsSession(ws, principal, runner, link);
      });
    } catch (err) {
      refuseUpgrade(socket, asHttpError(err));
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  if (tokens.open) {
    log.warn(
      { host, port, requestedHost: config.host },
      `HTTP API has no tokens configured: listening on loopback only (${host}:${port}); add http.tokens to expose it`,
    );
  } else {
    log.info({ host, port, tokens: config.tokens.length }, 'HTTP API listening');
  }
  return {
    host,
    port,
    async close(timeoutMs = 5000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      wss.close();
      link.closeStreams();
      server.closeIdleConnections();
      const until = Date.now() + timeoutMs;
      while (inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      for (const client of wss.clients) client.terminate();
      link.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

function methodNotAllowed(method: string, pathname: string, allowed: readonly string[]): HttpError {
  return new HttpError(
    405,
    'METHOD_NOT_ALLOWED',
    `ERR ${method} is not allowed on ${pathname}; use ${allowed.join(' or ')}`,
    { allow: allowed.join(', ') },
  );
}

function refuseUpgrade(socket: Duplex, err: HttpError): void {
  const body = errorBody(err);
  const extra = Object.entries(err.headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${err.status} ${http.STATUS_CODES[err.status] ?? 'Error'}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}connection: close\r\n\r\n${body}`,
  );
}
