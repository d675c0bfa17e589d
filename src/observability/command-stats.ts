// Per-command counters and latency histograms kept as plain numbers on the hot path (an increment
// and a short bucket scan per command); Prometheus reads them only when it scrapes.

/** Upper bounds of the latency buckets, in seconds. */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];

export class CommandStats {
  calls = 0;
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  readonly buckets = new Float64Array(LATENCY_BUCKETS.length + 1);
  latencyCount = 0;
  latencySum = 0;

  constructor(readonly name: string) {}

  observe(seconds: number): void {
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    this.buckets[i]!++;
    this.latencyCount++;
    this.latencySum += seconds;
  }
}

/** Every command's stats by name, created on first use. */
export class CommandStatsRegistry {
  private readonly byName = new Map<string, CommandStats>();

  get(name: string): CommandStats {
    let stats = this.byName.get(name);
    if (!stats) {
      stats = new CommandStats(name);
      this.byName.set(name, stats);
    }
    return stats;
  }

  all(): IterableIterator<CommandStats> {
    return this.byName.values();
  }
}
