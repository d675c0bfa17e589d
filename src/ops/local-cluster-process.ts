// One redis-server (or valkey-server) child process: spawn with config as command-line arguments,
// wait until it answers PING, stop it (SIGTERM, then SIGKILL after a grace period), and read its
// log tail for error messages. Restarting reuses the same arguments, so a cluster node rejoins.

import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AdminClient } from '../backend/admin-client.js';
import type { Logger } from '../observability/logger.js';
import { PortInUseError } from './local-cluster-ports.js';
import { trackChild } from './local-cluster-reaper.js';
import { waitUntil } from './local-cluster-wait.js';

export interface ServerProcessSpec {
  /** Resolved path of redis-server / valkey-server. */
  bin: string;
  host: string;
  port: number;
  /** The node's own working directory (nodes.conf, log, RDB if any). */
  dir: string;
  args: string[];
  password?: string | undefined;
  logger: Logger;
}

/** A server process ended while we were still waiting for it. */
export class NodeExitedError extends Error {
  override readonly name = 'NodeExitedError';
}

const LOG_FILE = 'server.log';
const STDERR_FILE = 'stderr.log';
const TAIL_BYTES = 8192;
/** Upper bound for an exit after SIGKILL; only a zombie-reaping problem could exceed it. */
const KILL_WAIT_MS = 5000;

/** Command-line arguments shared by every node; cluster specifics are appended by the caller. */
export function baseServerArgs(host: string, port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    host,
    '--dir',
    dir,
    '--logfile',
    join(dir, LOG_FILE),
    '--daemonize',
    'no',
    '--protected-mode',
    'no',
    '--save',
    '',
    '--appendonly',
    'no',
    '--enable-debug-command',
    'yes',
    // The default 5 s delay waits for more replicas to share one diskless transfer; a local
    // cluster has them all at once, and the delay would dominate start-up time.
    '--repl-diskless-sync-delay',
    '0',
  ];
}

export class ServerProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private expectingExit = false;
  private exitStatus: string | null = null;

  constructor(readonly spec: ServerProcessSpec) {}

  get label(): string {
    return `${this.spec.host}:${this.spec.port}`;
  }

  /** PID of the current (or last) process; 0 before the first start. */
  get pid(): number {
    return this.child?.pid ?? 0;
  }

  get running(): boolean {
    return this.child !== null && this.exitStatus === null;
  }

  /** Spawns the server; resolves once it answers PING, rejects (with its log tail) if it dies. */
  async start(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.running) throw new Error(`${this.label} is already running (pid ${this.pid})`);
    this.spawnChild();
    await this.waitReady(timeoutMs, signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  async stop(graceMs: number): Promise<void> {
    if (!this.running) return;
    this.expectingExit = true;
    this.signal('SIGTERM');
    // A node paused with SIGSTOP (failure tests) would never see the SIGTERM otherwise.
    this.signal('SIGCONT');
    if (await this.waitExit(graceMs)) return;
    this.signal('SIGKILL');
    if (!(await this.waitExit(KILL_WAIT_MS))) {
      throw new Error(`${this.label} (pid ${this.pid}) did not exit after SIGKILL`);
    }
  }

  /**
   * Sends `sig`. Terminating signals wait for the exit (bounded by `timeoutMs`); SIGSTOP and
   * SIGCONT return at once, since the process stays alive.
   */
  async kill(sig: NodeJS.Signals, timeoutMs: number): Promise<void> {
    if (!this.running) return;
    if (sig === 'SIGSTOP' || sig === 'SIGCONT') {
      this.signal(sig);
      return;
    }
    this.expectingExit = true;
    this.signal(sig);
    if (!(await this.waitExit(timeoutMs))) {
      throw new Error(`${this.label} (pid ${this.pid}) did not exit within ${timeoutMs} ms of ${sig}`);
    }
  }

  /** The last lines of the server's log and stderr, for error messages. */
  logTail(lines = 15): string {
    const text = `${readTail(join(this.spec.dir, LOG_FILE))}\n${readTail(join(this.spec.dir, STDERR_FILE))}`;
    const tail = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .slice(-lines);
    return tail.length > 0 ? tail.map((line) => `  | ${line}`).join('\n') : '  | (log is empty)';
  }

  /** Non-null once the process ended: an error saying how, with the log tail. */
  exitError(): Error | null {
    if (this.exitStatus === null) return null;
    const tail = this.logTail();
    if (/Address already in use/i.test(tail)) {
      return new PortInUseError(this.spec.port, `${this.label} could not listen; log:\n${tail}`);
    }
    return new NodeExitedError(`${this.label} ${this.exitStatus}; log tail:\n${tail}`);
  }

  private spawnChild(): void {
    this.expectingExit = false;
    this.exitStatus = null;
    // stderr goes to a file rather than a pipe: early failures (bad flag, unwritable log file)
    // land there, and no pipe keeps this process's event loop alive.
    const stderrFd = openSync(join(this.spec.dir, STDERR_FILE), 'a');
    let child: ChildProcess;
    try {
      // Own process group: a Ctrl-C in the terminal reaches `slotway dev`, which then stops the
      // nodes in order, instead of every node dying on its own at the same instant.
      child = spawn(this.spec.bin, this.spec.args, {
        cwd: this.spec.dir,
        stdio: ['ignore', 'ignore', stderrFd],
        detached: true,
      });
    } finally {
      closeSync(stderrFd);
    }
    this.child = child;
    trackChild(child);
    // Not keeping the event loop alive: a script that forgets stop() still exits, and the reaper
    // then kills the servers. Waits below hold their own timers.
    child.unref();
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, sig) => {
        this.exitStatus = sig ? `was killed by ${sig}` : `exited with code ${code}`;
        if (!this.expectingExit) {
          this.spec.logger.warn({ node: this.label, code, signal: sig }, 'server exited unexpectedly');
        }
        resolve();
      });
      child.once('error', (err) => {
        // Spawn failures (EACCES, ENOENT) come here and may never produce 'exit'.
        if (child.pid === undefined) {
          this.exitStatus = `could not be started: ${err.message}`;
          resolve();
        }
      });
    });
  }

  private async waitReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await waitUntil(
      async () => {
        const client = await AdminClient.connect({
          host: this.spec.host,
          port: this.spec.port,
          password: this.spec.password,
          connectTimeoutMs: 1000,
          commandTimeoutMs: 1000,
        });
        try {
          await client.call('PING');
          return null;
        } finally {
          client.close();
        }
      },
      {
        what: `${this.label} to answer PING`,
        timeoutMs,
        signal,
        fatal: () => this.exitError(),
        diagnose: () => `log tail of ${this.label}:\n${this.logTail()}`,
      },
    );
  }

  /** Resolves true if the process exited within `ms`. */
  private async waitExit(ms: number): Promise<boolean> {
    if (!this.running) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const result = await Promise.race([this.exited.then(() => true), timedOut]);
    clearTimeout(timer);
    return result;
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, sig);
    } catch {
      // ESRCH: it exited between our check and the signal.
    }
  }
}

function readTail(path: string): string {
  if (!existsSync(path)) return '';
  const size = statSync(path).size;
  const length = Math.min(size, TAIL_BYTES);
  const buffer = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8');
}
