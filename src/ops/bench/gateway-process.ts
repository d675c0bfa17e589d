// Runs `slotway start` as a child process for the bench, so the gateway has its own event loop and
// CPU instead of sharing one with the load generator. Ready once it answers PING; stopped with
// SIGTERM (so --cpu-prof profiles get written), SIGKILL after a grace period.

import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { trackChild } from '../local-cluster-reaper.js';
import { processTree } from './process-stats.js';
import { ReplyCounter } from './reply-counter.js';

export interface GatewayProcessOptions {
  /** The CLI script to run (bin/slotway.js or a transpiled cli/main.js). */
  script?: string;
  /** Cluster seed nodes (`host:port`), or one standalone server's URL. */
  backend: { cluster: readonly string[] } | { standalone: string };
  /** Passed as `--workers`. */
  workers: number;
  /** Listening port; a free one when unset. */
  port?: number;
  /** Extra node options, e.g. `--cpu-prof`. */
  nodeArgs?: readonly string[];
  /** Extra environment (SLOTWAY_* settings without a flag). */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

const STOP_GRACE_MS = 10_000;
const OUTPUT_LINES = 40;
const BIN = fileURLToPath(new URL('../../../bin/slotway.js', import.meta.url));

export class GatewayProcessError extends Error {
  override readonly name = 'GatewayProcessError';
}

export class GatewayProcess {
  private readonly output: string[] = [];
  private exited: Promise<void>;
  private exitInfo: string | null = null;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly workers: number,
  ) {
    trackChild(child);
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.output.push(line);
      if (this.output.length > OUTPUT_LINES) this.output.splice(0, this.output.length - OUTPUT_LINES);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  /** The gateway process and its workers. */
  pids(): number[] {
    return this.running ? processTree(this.pid) : [];
  }

  outputTail(): string {
    return this.output.join('\n');
  }

  static async start(options: GatewayProcessOptions): Promise<GatewayProcess> {
    const port = options.port ?? (await freePort());
    const args = [
      ...(options.nodeArgs ?? []),
      options.script ?? BIN,
      'start',
      ...('cluster' in options.backend
        ? ['--cluster', options.backend.cluster.join(',')]
        : ['--standalone', options.backend.standalone]),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--admin-port',
      '0',
      '--http-port',
      '0',
      '--log-level',
      'warn',
      '--workers',
      String(options.workers),
    ];
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SLOTWAY_LOG_FORMAT: 'json', ...options.env },
    });
    const gateway = new GatewayProcess(child, port, options.workers);
    try {
      await gateway.waitReady(options.readyTimeoutMs ?? 30_000);
    } catch (err) {
      await gateway.stop();
      throw err;
    }
    return gateway;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) {
        throw new GatewayProcessError(
          `slotway start exited (${this.exitInfo}) before answering PING:\n${this.outputTail()}`,
        );
      }
      if (await pingOk(this.port)) return;
      if (Date.now() > deadline) {
        throw new GatewayProcessError(
          `slotway start did not answer PING on port ${this.port} within ${timeoutMs} ms:\n${this.outputTail()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM, then SIGKILL for anything of the tree still alive after the grace period. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const tree = this.pids();
    this.child.kill('SIGTERM');
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), STOP_GRACE_MS).unref());
    if ((await Promise.race([this.exited, timer])) === 'timeout') {
      // Workers outlive a primary that is SIGKILLed; end the whole tree we saw.
      for (const pid of tree) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    await this.exited;
  }
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** True when something on `port` answers PING with a reply that is not an error. */
export function pingOk(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const counter = new ReplyCounter();
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      if (counter.feed(chunk) > 0) done(counter.errors === 0);
    });
    socket.on('error', () => done(false));
  });
}
