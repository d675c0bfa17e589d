// Auto-pipelining: commands issued in the same tick (before the next microtask checkpoint) travel as
// one request; each caller's promise settles with its own command's reply or error.

import type { Command } from './command.js';
import type { Settled } from './errors.js';

/** Runs a batch of independent commands; resolves to each one's outcome, in order, never rejects. */
export type BatchRunner = (commands: readonly Command<unknown>[]) => Promise<Settled<unknown>[]>;

interface Queued {
  command: Command<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class AutoPipeline {
  private queue: Queued[] = [];
  private scheduled = false;

  constructor(
    private readonly run: BatchRunner,
    /** A batch this large is sent at once, without waiting for the tick to end. */
    private readonly maxCommands: number,
  ) {}

  enqueue<T>(command: Command<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ command, resolve: resolve as (value: unknown) => void, reject });
      if (this.queue.length >= this.maxCommands) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(this.onTick);
      }
    });
  }

  private readonly onTick = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private flush(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.run(batch.map((q) => q.command)).then(
      (settled) => {
        for (let i = 0; i < batch.length; i++) {
          const outcome = settled[i]!;
          if (outcome.ok) batch[i]!.resolve(outcome.value);
          else batch[i]!.reject(outcome.error);
        }
      },
      (err: unknown) => {
        for (const q of batch) q.reject(err);
      },
    );
  }
}
