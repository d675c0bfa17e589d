// `--workers N`: N gateway processes sharing the listening ports (node:cluster), each with its own
// backend connections, so the gateway uses every core. The primary only forwards signals and
// restarts a worker that died unexpectedly; a worker that dies before it ever served (a taken port,
// an unreachable cluster) would die again, so then the primary stops them all and exits with 1.

import cluster from 'node:cluster';
import type { Logger } from '../observability/logger.js';

const READY = 'slotway:worker-ready';

/** In the primary of a multi-worker run: forks the workers and supervises them; resolves never. */
export function superviseWorkers(count: number, logger: Logger): void {
  let stopping = false;
  let exitCode = 0;
  const ready = new Set<number>();
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on('message', (worker, message) => {
    if (message === READY) ready.add(worker.id);
  });
  const stop = (code: number) => {
    exitCode = code;
    if (stopping) process.exit(130);
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
      return;
    }
    if (!ready.has(worker.id)) {
      logger.error({ worker: worker.process.pid, code, signal }, 'gateway worker failed to start; stopping');
      stop(1);
      return;
    }
    logger.warn({ worker: worker.process.pid, code, signal }, 'gateway worker exited; starting a new one');
    cluster.fork();
  });
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
}

/** In a worker: tells the primary this worker is serving (so a later exit means "restart it"). */
export function reportWorkerReady(): void {
  if (cluster.isWorker) process.send?.(READY);
}

export const isWorkerPrimary = (workers: number): boolean => workers > 1 && cluster.isPrimary;
