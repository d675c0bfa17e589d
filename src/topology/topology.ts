// Keeps the current SlotMap: loads it from a TopologySource at start, refreshes it periodically, on
// MOVED and on connection errors (single-flight, rate-limited), and patches single slots from MOVED
// replies at once so the next command already goes to the right node.

import { EventEmitter } from 'node:events';
import type { Logger } from '../observability/logger.js';
import { silentLogger } from '../observability/logger.js';
import type { NodeAddress, SlotMap } from './slot-map.js';
import type { TopologySource } from './topology-source.js';

export interface TopologyOptions {
  /** Periodic refresh interval; 0 disables it. */
  refreshIntervalMs: number;
  /** Minimum gap between two refreshes triggered by events (MOVED, errors). */
  minRefreshGapMs?: number;
  logger?: Logger;
}

export interface TopologyEvents {
  change: [map: SlotMap, previous: SlotMap | null];
  refreshed: [ok: boolean];
}

export class Topology extends EventEmitter<TopologyEvents> {
  private current: SlotMap | null = null;
  private inflight: Promise<SlotMap> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastRefreshAt = 0;
  private pendingTimer: NodeJS.Timeout | null = null;
  private readonly logger: Logger;
  private closed = false;
  refreshCount = 0;
  refreshFailures = 0;

  constructor(
    readonly source: TopologySource,
    private readonly options: TopologyOptions,
  ) {
    super();
    this.logger = (options.logger ?? silentLogger).child({ component: 'topology' });
  }

  /** Loads the first map, retrying until `deadlineMs`; then starts periodic refresh. */
  async start(deadlineMs = 10_000): Promise<SlotMap> {
    const until = Date.now() + deadlineMs;
    for (;;) {
      try {
        const map = await this.refresh();
        if (this.options.refreshIntervalMs > 0) {
          this.timer = setInterval(() => this.requestRefresh('periodic'), this.options.refreshIntervalMs);
          this.timer.unref();
        }
        return map;
      } catch (err) {
        if (Date.now() >= until || this.closed) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  get map(): SlotMap {
    if (!this.current) throw new Error('topology not loaded yet');
    return this.current;
  }

  get loaded(): boolean {
    return this.current !== null;
  }

  /** Refreshes now (joining one already under way). */
  refresh(): Promise<SlotMap> {
    if (this.inflight) return this.inflight;
    this.lastRefreshAt = Date.now();
    this.refreshCount++;
    this.inflight = this.source
      .load()
      .then(
        (map) => {
          const previous = this.current;
          if (!previous?.sameRouting(map)) {
            this.current = map;
            this.logger.info(
              { shards: map.shards.length, covered: map.coveredSlots(), source: map.source },
              'topology changed',
            );
            this.emit('change', map, previous);
          } else {
            this.current = map;
          }
          this.emit('refreshed', true);
          return map;
        },
        (err: Error) => {
          this.refreshFailures++;
          this.logger.warn({ err: err.message }, 'topology refresh failed');
          this.emit('refreshed', false);
          throw err;
        },
      )
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  /** Asks for a refresh soon, coalescing bursts (a storm of MOVED replies causes one refresh). */
  requestRefresh(reason: string): void {
    if (this.closed || this.inflight || this.pendingTimer) return;
    const gap = this.options.minRefreshGapMs ?? 100;
    const wait = Math.max(0, this.lastRefreshAt + gap - Date.now());
    this.pendingTimer = setTimeout(() => {
      this.pendingTimer = null;
      this.logger.debug({ reason }, 'refreshing topology');
      this.refresh().catch(() => {});
    }, wait);
    this.pendingTimer.unref();
  }

  /** Applies a MOVED reply at once: `slot` now lives on `node`. */
  applyMoved(slot: number, node: NodeAddress): void {
    if (!this.current) return;
    if (this.current.primaryOf(slot)?.key === node.key) return;
    const previous = this.current;
    this.current = previous.withSlotMoved(slot, node);
    this.emit('change', this.current, previous);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.pendingTimer) clearTimeout(this.pendingTimer);
    this.timer = null;
    this.pendingTimer = null;
  }
}
