// The messages between `slotway bench` and its load-generator processes (over the fork IPC channel).
// A run is prepare → prepared (rings built, sockets open) → go (all processes at once) → measuring
// (warm-up over) → result; hold / holding keep idle connections open for the idle-clients scenario.

import type { HistogramSnapshot } from './latency-histogram.js';
import type { Endpoint } from './load-client.js';
import type { WorkloadSpec } from './scenarios.js';

export interface LoadJob {
  /** One endpoint, or every primary of a cluster. */
  endpoints: Endpoint[];
  /** For a cluster: the endpoint index serving each of the 16384 slots; null for one endpoint. */
  slotNodes: number[] | null;
  workload: WorkloadSpec;
  /** Connections (clients) this process runs. */
  connections: number;
  pipeline: number;
  /** Open-loop requests per second for this process; null for closed loop. */
  ratePerSec: number | null;
  warmupMs: number;
  durationMs: number;
  /** Seeds the key sequence; differs per process. */
  seed: number;
}

export interface LoadResult {
  /** Requests completed in the measured window. */
  completed: number;
  /** Length of the measured window. */
  elapsedMs: number;
  histogram: HistogramSnapshot;
  /** Error replies received in the measured window (a correct run has none). */
  errors: number;
  connectionErrors: number;
  /** CPU time (user + system) this process used in the measured window. */
  cpuMs: number;
  /** Open loop: requests that were due while every connection was busy, and so were not sent. */
  late: number;
}

export type ToGenerator =
  | { type: 'prepare'; job: LoadJob }
  | { type: 'go' }
  | { type: 'hold'; endpoints: Endpoint[]; count: number }
  | { type: 'release' };

export type FromGenerator =
  | { type: 'prepared' }
  | { type: 'measuring' }
  | { type: 'result'; result: LoadResult }
  | { type: 'holding'; opened: number; failed: number }
  | { type: 'released' }
  | { type: 'failed'; message: string };
