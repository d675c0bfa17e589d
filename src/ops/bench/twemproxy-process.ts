// twemproxy (nutcracker, the C proxy from Twitter) in front of the bench's standalone server, so
// `slotway bench --standalone` measures Slotway against an established C proxy in the same run. It
// runs in the foreground as our child, with its config and log in a temp dir that goes with it.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { findExecutable } from '../local-cluster-binary.js';
import { trackChild, trackDir, untrackDir } from '../local-cluster-reaper.js';
import { freePort, pingOk } from './gateway-process.js';
import type { Endpoint } from './load-client.js';

const STOP_GRACE_MS = 5000;

/** Path of nutcracker (Debian installs it in /usr/sbin, which a user's PATH may lack), or null. */
export function findTwemproxy(): string | null {
  return findExecutable('nutcracker') ?? findExecutable('/usr/sbin/nutcracker');
}

export class TwemproxyProcess {
  private readonly exited: Promise<void>;
  private running = true;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
    /** What `nutcracker --version` printed, e.g. `nutcracker-0.5.0`. */
    readonly version: string,
  ) {
    trackChild(child);
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        this.running = false;
        resolve();
      }),
    );
  }

  /** Starts nutcracker with one pool holding only `server`; resolves once it answers PING. */
  static async start(binary: string, server: Endpoint): Promise<TwemproxyProcess> {
    const dir = await mkdtemp(join(os.tmpdir(), 'slotway-bench-twemproxy-'));
    trackDir(dir);
    const [port, statsPort] = [await freePort(), await freePort()];
    // One server connection, as Slotway's standalone mode keeps few; no timeout or ejection, so a
    // slow moment shows as latency rather than errors.
    const config = [
      'bench:',
      `  listen: 127.0.0.1:${port}`,
      '  redis: true',
      '  hash: fnv1a_64',
      '  distribution: ketama',
      '  preconnect: true',
      '  server_connections: 1',
      '  auto_eject_hosts: false',
      '  servers:',
      `    - ${server.host}:${server.port}:1`,
      '',
    ].join('\n');
    const configFile = join(dir, 'nutcracker.yml');
    await writeFile(configFile, config);
    const version = spawnSync(binary, ['--version'], { encoding: 'utf8' });
    const child = spawn(
      binary,
      ['-c', configFile, '-s', String(statsPort), '-o', join(dir, 'nutcracker.log'), '-p', join(dir, 'pid')],
      { stdio: 'ignore' },
    );
    const proxy = new TwemproxyProcess(
      child,
      dir,
      port,
      `${version.stdout ?? ''}${version.stderr ?? ''}`.trim().split('\n')[0] ?? 'nutcracker',
    );
    try {
      const deadline = Date.now() + 10_000;
      while (!(await pingOk(port))) {
        if (!proxy.running) throw new Error(`nutcracker exited before answering PING (config ${configFile})`);
        if (Date.now() > deadline) throw new Error(`nutcracker did not answer PING on port ${port}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } catch (err) {
      await proxy.stop();
      throw err;
    }
    return proxy;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  async stop(): Promise<void> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
    untrackDir(this.dir);
  }
}
