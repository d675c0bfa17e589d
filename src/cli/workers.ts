// `--workers N`: N gateway processes sharing the listening ports (node:cluster), each with its own
// backend connections, so the gateway uses every core. The primary only forwards signals and
// restarts a worker that died unexpectedly.

import cluster from 'node:cluster';
import type { Logger } from '../observability/logger.js';

/** In the primary of a multi-worker run: forks the workers and supervises them; resolves never. */
export function superviseWorkers(count: number, logger: Logger): void {
  let stopping = false;
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.warn({ worker: worker.process.pid, code, signal }, 'gateway worker exited; starting a new one');
    cluster.fork();
  });
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

export const isWorkerPrimary = (workers: number): boolean => workers > 1 && cluster.isPrimary;
