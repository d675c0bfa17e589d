// The explicit pipeline / transaction builder: chain typed commands, then `exec()` resolves to a
// tuple typed command by command.

import type { Command } from './command.js';
import { Commands } from './commands/scripting.js';
import { type Settled, SlotwayPipelineError } from './errors.js';

/** Runs the commands of a pipeline in one request (or WebSocket frame). */
export type PipelineRunner = (commands: readonly Command<unknown>[]) => Promise<Settled<unknown>[]>;

export type SettledTuple<T extends unknown[]> = { [I in keyof T]: Settled<T[I]> };

export class Pipeline<Acc extends unknown[] = []> extends Commands<'chain', Acc> {
  private readonly commands: Command<unknown>[] = [];

  constructor(private readonly runner: PipelineRunner) {
    super();
  }

  protected send<T>(command: Command<T>): Pipeline<[...Acc, T]> {
    this.commands.push(command);
    return this as unknown as Pipeline<[...Acc, T]>;
  }

  /** Commands queued so far. */
  get length(): number {
    return this.commands.length;
  }

  /**
   * Sends every queued command in one request. Resolves to their replies in order; rejects with a
   * SlotwayPipelineError (carrying every outcome) when any command failed.
   */
  async exec(): Promise<Acc> {
    const settled = await this.execSettled();
    if (settled.some((s: Settled<unknown>) => !s.ok)) throw new SlotwayPipelineError(settled);
    return settled.map((s: Settled<unknown>) => (s as { value: unknown }).value) as Acc;
  }

  /** Like exec, but resolves to each command's outcome instead of rejecting. */
  async execSettled(): Promise<SettledTuple<Acc>> {
    if (this.commands.length === 0) return [] as unknown as SettledTuple<Acc>;
    return (await this.runner(this.commands.slice())) as SettledTuple<Acc>;
  }
}
