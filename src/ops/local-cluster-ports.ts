// Port selection for local nodes. Every cluster node also listens on its bus port (port + 10000),
// so a port is only usable when both are free; random blocks keep parallel test files apart.

import net from 'node:net';

/** Redis Cluster's fixed offset between a node's client port and its cluster bus port. */
export const CLUSTER_BUS_OFFSET = 10_000;

// Client ports 10000..22000 put bus ports (port + 10000) at 20000..32000: both stay below Linux's
// ephemeral range (32768+), where the kernel's own outgoing connections could take them.
const RANDOM_RANGE_LOW = 10_000;
const RANDOM_RANGE_HIGH = 22_000;
const MAX_ATTEMPTS = 60;

/** A port we need is taken (by another program or a node of another harness). */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    detail: string,
  ) {
    super(`port ${port} is already in use (${detail})`);
  }
}

/** True when `host:port` can be bound right now. */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** The ports a node occupies: its client port, plus the bus port in cluster mode. */
export function portsOf(port: number, clusterBus: boolean): number[] {
  return clusterBus ? [port, port + CLUSTER_BUS_OFFSET] : [port];
}

/** Throws PortInUseError naming the first taken port of `ports` (and their bus ports). */
export async function assertPortsFree(host: string, ports: number[], clusterBus: boolean): Promise<void> {
  const highest = Math.max(...ports) + (clusterBus ? CLUSTER_BUS_OFFSET : 0);
  if (Math.min(...ports) < 1 || highest > 65_535) {
    throw new RangeError(
      `ports ${ports[0]}..${ports[ports.length - 1]} do not fit: ` +
        (clusterBus
          ? 'each port and its cluster bus port (port+10000) must be ≤ 65535'
          : 'ports must be ≤ 65535'),
    );
  }
  for (const port of ports) {
    for (const candidate of portsOf(port, clusterBus)) {
      if (!(await isPortFree(host, candidate))) {
        const role = candidate === port ? 'client port' : `cluster bus port of ${port}`;
        throw new PortInUseError(candidate, role);
      }
    }
  }
}

/** Finds `count` consecutive free ports (and bus ports) at a random spot in 10000..22000. */
export async function findFreePortBlock(host: string, count: number, clusterBus: boolean): Promise<number[]> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const start =
      RANDOM_RANGE_LOW + Math.floor(Math.random() * (RANDOM_RANGE_HIGH - RANDOM_RANGE_LOW - count));
    const ports = Array.from({ length: count }, (_, i) => start + i);
    try {
      await assertPortsFree(host, ports, clusterBus);
      return ports;
    } catch (err) {
      if (!(err instanceof PortInUseError)) throw err;
    }
  }
  throw new Error(`no block of ${count} free ports found on ${host} after ${MAX_ATTEMPTS} attempts`);
}
