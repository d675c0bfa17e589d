// A client's replies must leave in the order its commands arrived, though backends answer in any
// order. Each command takes a place in its session's queue; the session writes completed replies
// from the head of the queue as soon as they are contiguous.

export interface QueuedReply {
  /** The next command of the same client, in arrival order. */
  next: QueuedReply | null;
  /** Reply bytes once complete; null while waiting. */
  reply: Buffer | null;
}

/** What a queued command needs from its session. */
export interface ReplySink {
  /** The client's id; also picks its shared backend connection per node, so its commands stay in order. */
  readonly id: number;
  /** Protocol the client speaks (2 or 3), for replies the gateway builds itself. */
  readonly protocol: 2 | 3;
  complete(entry: QueuedReply, reply: Buffer): void;
}
