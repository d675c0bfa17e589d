// The bench's side of the load generators: forks the processes once, runs each job on all of them
// at the same moment, merges what they measured, and keeps a separate process holding idle
// connections. Every wait is bounded and cancellable; stop() ends every process it forked.

import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { trackChild } from '../local-cluster-reaper.js';
import type { FromGenerator, LoadJob, LoadResult, ToGenerator } from './generator-protocol.js';
import type { Endpoint } from './load-client.js';

const PREPARE_TIMEOUT_MS = 60_000;
/** Slack after warm-up + duration before a run is declared stuck. */
const RESULT_SLACK_MS = 20_000;
const HOLD_TIMEOUT_MS = 120_000;

export class GeneratorError extends Error {
  override readonly name = 'GeneratorError';
}

/** The entry point next to this module: .ts under tsx / vitest, .js when built. */
function generatorEntry(): { path: string; execArgv: string[] } {
  const own = import.meta.url;
  const ts = own.endsWith('.ts');
  const path = fileURLToPath(new URL(`./load-generator.${ts ? 'ts' : 'js'}`, own));
  if (!ts) return { path, execArgv: [] };
  const tsx = pathToFileURL(createRequire(own).resolve('tsx')).href;
  return { path, execArgv: ['--import', tsx] };
}

class Generator {
  private waiters: Array<(m: FromGenerator | Error) => void> = [];
  private exited: string | null = null;

  constructor(readonly child: ChildProcess) {
    trackChild(child);
    child.on('message', (m: FromGenerator) => {
      for (const w of this.waiters.splice(0)) w(m);
    });
    child.once('exit', (code, signal) => {
      this.exited = signal ? `signal ${signal}` : `exit code ${code}`;
      const err = new GeneratorError(`load generator ${child.pid} exited (${this.exited})`);
      for (const w of this.waiters.splice(0)) w(err);
    });
  }

  send(message: ToGenerator): void {
    if (this.exited) throw new GeneratorError(`load generator ${this.child.pid} exited (${this.exited})`);
    this.child.send(message);
  }

  /** The next message of type `type`; rejects on a failure report, exit, timeout or abort. */
  next<T extends FromGenerator['type']>(
    type: T,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Extract<FromGenerator, { type: T }>> {
    if (this.exited) {
      return Promise.reject(new GeneratorError(`load generator ${this.child.pid} exited (${this.exited})`));
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => finish(signal?.reason ?? new Error('aborted'));
      const timer = setTimeout(
        () => finish(new GeneratorError(`load generator sent no '${type}' within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const finish = (outcome: FromGenerator | Error) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        if (outcome instanceof Error) reject(outcome);
        else if (outcome.type === 'failed') reject(new GeneratorError(`load generator: ${outcome.message}`));
        else resolve(outcome as Extract<FromGenerator, { type: T }>);
      };
      const waiter = (m: FromGenerator | Error) => {
        if (m instanceof Error || m.type === type || m.type === 'failed') finish(m);
        else this.waiters.push(waiter);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  stop(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

export class GeneratorPool {
  private idleHolder: Generator | null = null;

  private constructor(private readonly generators: Generator[]) {}

  get size(): number {
    return this.generators.length;
  }

  pids(): number[] {
    return this.generators.map((g) => g.child.pid ?? -1);
  }

  static start(count: number): GeneratorPool {
    return new GeneratorPool(Array.from({ length: count }, () => spawnGenerator()));
  }

  /**
   * Runs one job per generator (jobs[i] on generator i), all started together. `onMeasuring` runs
   * once every generator has finished its warm-up, `onDone` once they all reported.
   */
  async run(
    jobs: readonly LoadJob[],
    hooks: { signal?: AbortSignal; onMeasuring?: () => void } = {},
  ): Promise<LoadResult[]> {
    const active = this.generators.slice(0, jobs.length);
    const preparing = active.map((g) => g.next('prepared', PREPARE_TIMEOUT_MS, hooks.signal));
    for (const [i, g] of active.entries()) g.send({ type: 'prepare', job: jobs[i]! });
    await Promise.all(preparing);
    const longest = Math.max(...jobs.map((j) => j.warmupMs + j.durationMs));
    const measuring = active.map((g) => g.next('measuring', longest + RESULT_SLACK_MS, hooks.signal));
    for (const g of active) g.send({ type: 'go' });
    await Promise.all(measuring);
    const results = active.map((g) => g.next('result', longest + RESULT_SLACK_MS, hooks.signal));
    hooks.onMeasuring?.();
    return Promise.all(results).then((rs) => rs.map((r) => r.result));
  }

  /** Opens `count` idle connections (round-robin over `endpoints`) from a process of their own. */
  async holdIdle(
    endpoints: Endpoint[],
    count: number,
    signal?: AbortSignal,
  ): Promise<{ opened: number; failed: number }> {
    this.idleHolder ??= spawnGenerator();
    const holding = this.idleHolder.next('holding', HOLD_TIMEOUT_MS, signal);
    this.idleHolder.send({ type: 'hold', endpoints, count });
    const { opened, failed } = await holding;
    return { opened, failed };
  }

  async releaseIdle(signal?: AbortSignal): Promise<void> {
    if (!this.idleHolder) return;
    const released = this.idleHolder.next('released', 30_000, signal);
    this.idleHolder.send({ type: 'release' });
    await released;
  }

  stop(): void {
    for (const g of this.generators) g.stop();
    this.idleHolder?.stop();
  }
}

function spawnGenerator(): Generator {
  const entry = generatorEntry();
  const child = fork(entry.path, [], {
    execArgv: entry.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Generator(child);
}
