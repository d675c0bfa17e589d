// @slotway/client in headless Chromium: the SDK bundled with esbuild for the browser, served with a
// small page from a local server on 127.0.0.1 (a different origin than the API, so CORS is real),
// driving the real HTTP/WebSocket server in front of a 3-primary cluster. Needs Debian's
// `chromium` (CI installs it); without it the test is skipped with a message.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../packages/client/src/index.js';
import { useCluster } from '../support/cluster.js';
import { useGateway } from '../support/gateway.js';
import { httpConfig, RestartableHttpServer, TOKEN } from './sdk-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ENTRY = fileURLToPath(new URL('../../packages/client/src/index.ts', import.meta.url));

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>slotway sdk</title></head>
<body><script type="module">
import * as sdk from '/slotway-client.js';
window.sdk = sdk;
window.sdkReady = true;
</script></body></html>`;

/** Serves the page and the bundle; its origin is the one the API must allow. */
async function startPageServer(bundle: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    } else if (req.url === '/slotway-client.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(bundle);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `[test/sdk/browser] SKIPPED: ${CHROMIUM} not found. Install it with ` +
      '`apt-get install -y --no-install-recommends chromium` (CI does).',
  );
}

describe('@slotway/client in headless Chromium', () => {
  if (!hasChromium) {
    it.skip(`needs ${CHROMIUM}`, () => {});
    return;
  }

  const cluster = useCluster({ primaries: 3, replicas: 0 });
  const gw = useGateway(cluster);
  let api: RestartableHttpServer;
  let pages: Awaited<ReturnType<typeof startPageServer>>;
  let context: BrowserContext;
  let profileDir: string;
  let bundleText: string;

  beforeAll(async () => {
    const bundled = await build({
      entryPoints: [ENTRY],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    bundleText = bundled.outputFiles[0]!.text;
    pages = await startPageServer(bundleText);
    api = new RestartableHttpServer(gw(), httpConfig({ corsOrigins: [pages.origin] }));
    await api.start();
    profileDir = await mkdtemp(path.join(os.tmpdir(), 'slotway-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
  });

  afterAll(async () => {
    await context?.close();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
    await api?.stop();
    await pages?.close();
  });

  it('bundles without Node-only code', () => {
    expect(bundleText).not.toMatch(/from\s*["']node:/);
    expect(bundleText).not.toMatch(/require\(["']ws["']\)/);
  });

  it('runs REST commands, pipelines and WebSocket pub/sub in the page', async () => {
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(`${pages.origin}/`);
    await page.waitForFunction(() => (globalThis as unknown as { sdkReady?: boolean }).sdkReady === true);

    const result = await page.evaluate(
      async ({ url, token }) => {
        const { Slotway } = (globalThis as unknown as { sdk: typeof Sdk }).sdk;
        const client = new Slotway({ url, token });
        const set = await client.set('browser:k', 'from chromium ✓');
        const get = await client.get('browser:k');
        // One tick, one /pipeline request, across shards.
        const auto = await Promise.all([client.incr('browser:n'), client.mget('browser:k', 'browser:none')]);
        const pipeline = await client.pipeline().hset('browser:h', { a: '1' }).hgetall('browser:h').exec();
        const multi = await client.multi().set('{b}x', '1').incr('{b}x').exec();
        const bytes = new Uint8Array([0xff, 0x00, 0x80]);
        await client.set('browser:bin', bytes);
        const binary = Array.from((await client.getBytes('browser:bin')) ?? []);
        const info = await client.cluster.info();

        const socket = client.socket();
        const messages: string[] = [];
        await socket.subscribe('browser-channel', (m) => messages.push(`${m.channel}:${m.message}`));
        const wsGet = await socket.get('browser:k');
        await client.publish('browser-channel', 'hello page');
        const deadline = Date.now() + 5000;
        while (messages.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        await socket.close();
        return { set, get, auto, pipeline, multi, binary, info, wsGet, messages, state: socket.state };
      },
      { url: api.url, token: TOKEN },
    );

    expect(result).toMatchObject({
      set: 'OK',
      get: 'from chromium ✓',
      auto: [1, ['from chromium ✓', null]],
      pipeline: [1, { a: '1' }],
      multi: ['OK', 2],
      binary: [0xff, 0x00, 0x80],
      info: { state: 'ok', size: 3 },
      wsGet: 'from chromium ✓',
      messages: ['browser-channel:hello page'],
      state: 'closed',
    });
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('is refused by CORS from an origin the server does not allow', async () => {
    const strict = new RestartableHttpServer(gw(), httpConfig({ corsOrigins: ['http://elsewhere.example'] }));
    await strict.start();
    const page = await context.newPage();
    try {
      await page.goto(`${pages.origin}/`);
      await page.waitForFunction(() => (globalThis as unknown as { sdkReady?: boolean }).sdkReady === true);
      const outcome = await page.evaluate(
        async ({ url, token }) => {
          const { Slotway } = (globalThis as unknown as { sdk: typeof Sdk }).sdk;
          const client = new Slotway({ url, token, retry: false });
          try {
            await client.get('browser:k');
            return 'allowed';
          } catch (err) {
            return (err as Error).name;
          }
        },
        { url: strict.url, token: TOKEN },
      );
      expect(outcome).toBe('SlotwayConnectionError');
    } finally {
      await page.close();
      await strict.stop();
    }
  });
});
