// Integration-test helpers around the local cluster harness: scoped start/stop that always cleans
// up (also when the body throws), vitest hooks for a cluster shared by one describe block, and a
// liveness probe to prove no server outlived its test.

import { afterAll, beforeAll } from 'vitest';
import {
  type LocalCluster,
  type LocalClusterOptions,
  type StandaloneServerOptions,
  startLocalCluster,
  startStandaloneServer,
} from '../../src/ops/local-cluster.js';

export type { LocalCluster, LocalClusterOptions, StandaloneServerOptions };

/** Starts a cluster, runs `body`, and stops the cluster whatever `body` does. */
export async function withCluster<T>(
  options: LocalClusterOptions,
  body: (cluster: LocalCluster) => Promise<T>,
): Promise<T> {
  const cluster = await startLocalCluster(options);
  try {
    return await body(cluster);
  } finally {
    await cluster.stop();
  }
}

/** Like withCluster, for one standalone server. */
export async function withStandalone<T>(
  options: StandaloneServerOptions,
  body: (server: LocalCluster) => Promise<T>,
): Promise<T> {
  const server = await startStandaloneServer(options);
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

/**
 * One cluster for the enclosing describe block: started in beforeAll, stopped in afterAll.
 * Returns an accessor, since the cluster exists only once beforeAll has run.
 */
export function useCluster(options: LocalClusterOptions = {}): () => LocalCluster {
  return useLocal(() => startLocalCluster(options), 'useCluster');
}

/** One standalone server for the enclosing describe block. */
export function useStandalone(options: StandaloneServerOptions = {}): () => LocalCluster {
  return useLocal(() => startStandaloneServer(options), 'useStandalone');
}

function useLocal(start: () => Promise<LocalCluster>, name: string): () => LocalCluster {
  let current: LocalCluster | undefined;
  beforeAll(async () => {
    current = await start();
  });
  afterAll(async () => {
    await current?.stop();
  });
  return () => {
    if (!current)
      throw new Error(`${name}: the server is not started (use it inside tests, not at collection)`);
    return current;
  };
}

/** True while a process with this PID exists (signal 0 probes without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM means it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
