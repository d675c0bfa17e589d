// A gateway that cannot start — its port or Unix socket path already taken — rejects with the
// system's reason instead of waiting, and leaves nothing behind: its connections to the nodes are
// closed and no listener stays half open. A socket file nobody listens on any more is replaced.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/ops/bench/gateway-process.js';
import { useCluster } from '../support/cluster.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { clientEntries, eventually } from '../support/node-state.js';

describe('a gateway that fails to start', () => {
  const cluster = useCluster({ primaries: 1 });
  let dir: string;
  let tcpBlocker: net.Server;
  let unixBlocker: net.Server;
  const socketPath = () => join(dir, 'taken.sock');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slotway-start-'));
    tcpBlocker = net.createServer((s) => s.destroy());
    unixBlocker = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => tcpBlocker.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => unixBlocker.listen(socketPath(), r));
  });

  afterAll(async () => {
    await new Promise<void>((r) => tcpBlocker.close(() => r()));
    await new Promise<void>((r) => unixBlocker.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Connections the node holds from anyone but the asking admin client. */
  async function nodeClients(): Promise<number> {
    const admin = await cluster().client(cluster().nodes[0]!.port);
    try {
      return (await clientEntries(admin)).length;
    } finally {
      admin.close();
    }
  }

  it('rejects with EADDRINUSE when its port is taken, and closes what it opened', async () => {
    const before = await nodeClients();
    const taken = (tcpBlocker.address() as AddressInfo).port;
    await expect(startTestGateway(cluster(), { listen: { port: taken } })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    await eventually('the failed gateway to close its node connections', nodeClients, (n) => n === before);
  });

  it('rejects when its Unix socket path is taken, instead of never resolving', async () => {
    const before = await nodeClients();
    const port = await freePort();
    const started = startTestGateway(cluster(), { listen: { port, unixSocket: socketPath() } });
    await expect(started).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await eventually('the failed gateway to close its node connections', nodeClients, (n) => n === before);
    // The socket file of the live listener was left alone.
    await new Promise<void>((resolve, reject) => {
      const probe = net.connect(socketPath(), () => {
        probe.destroy();
        resolve();
      });
      probe.once('error', reject);
    });
    // The TCP listener it had opened before the socket path failed is closed again.
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((r) => probe.close(() => r()));
  });
});

describe('a Unix socket file left by a process that died', () => {
  const cluster = useCluster({ primaries: 1 });

  it('is replaced, as Redis does, and the gateway serves on it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slotway-stale-'));
    const path = join(dir, 'stale.sock');
    let gateway: TestGateway | null = null;
    try {
      await leaveStaleSocket(path);
      expect(existsSync(path)).toBe(true);
      gateway = await startTestGateway(cluster(), { listen: { port: 0, unixSocket: path } });
      const reply = await new Promise<string>((resolve, reject) => {
        const client = net.connect(path, () => client.write('PING\r\n'));
        client.once('data', (data) => {
          client.destroy();
          resolve(data.toString());
        });
        client.once('error', reject);
      });
      expect(reply).toBe('+PONG\r\n');
    } finally {
      await gateway?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Starts a process listening on `path` and SIGKILLs it, so the socket file stays with no listener. */
async function leaveStaleSocket(path: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`listener exited early (${code})`)));
    });
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
