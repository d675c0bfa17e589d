// The seam every typed command method writes into. One class hierarchy of typed methods serves three
// callers: the REST client and the WebSocket client (each method returns a Promise of its reply) and
// the pipeline builder (each method returns the builder, its result type appended to a tuple).

import type { Command } from '../command.js';
import type { Pipeline } from '../pipeline.js';

/** What a typed method returns, per kind of sink: `T` is the reply type, `Acc` the pipeline so far. */
export interface ResultKinds<T, Acc extends unknown[]> {
  promise: Promise<T>;
  chain: Pipeline<[...Acc, T]>;
}

export type ResultKind = keyof ResultKinds<unknown, []>;

export abstract class CommandSink<K extends ResultKind, Acc extends unknown[] = []> {
  /** Sends (or queues) one command. */
  protected abstract send<T>(command: Command<T>): ResultKinds<T, Acc>[K];
}
