// WAIT / WAITAOF for a client whose writes went over shared connections: the same command is asked
// on each of those exact connections (replication acknowledgements are tracked per connection), and
// the smallest answer is the client's.

import type { BackendConnectionError, NodeConnection, ReplyHandler } from '../backend/node-connection.js';
import { aggregateElements, arrayFrame, integerOf, isErrorFrame } from '../protocol/frame-slices.js';
import { encodeError, encodeInteger } from '../protocol/resp-encoder.js';
import type { QueuedReply, ReplySink } from './reply-queue.js';

export class WaitRequest implements QueuedReply {
  next: QueuedReply | null = null;
  reply: Buffer | null = null;
  private readonly replies: Buffer[] = [];
  private remaining: number;

  constructor(
    private readonly sink: ReplySink,
    frame: Buffer,
    connections: readonly NodeConnection[],
  ) {
    this.remaining = connections.length;
    for (let i = 0; i < connections.length; i++) connections[i]!.send(frame, new WaitReply(this, i));
  }

  arrived(index: number, frame: Buffer): void {
    this.replies[index] = frame;
    if (--this.remaining === 0) this.sink.complete(this, this.merge());
  }

  private merge(): Buffer {
    const error = this.replies.find(isErrorFrame);
    if (error) return error;
    const first = this.replies[0]!;
    if (first[0] === 0x3a) return encodeInteger(Math.min(...this.replies.map((r) => integerOf(r) ?? 0)));
    // WAITAOF: [local fsyncs, replica fsyncs], each the minimum over connections.
    const pairs = this.replies.map((r) => (aggregateElements(r) ?? []).map((e) => integerOf(e) ?? 0));
    const width = pairs[0]?.length ?? 0;
    const merged: Buffer[] = [];
    for (let i = 0; i < width; i++) merged.push(encodeInteger(Math.min(...pairs.map((p) => p[i] ?? 0))));
    return arrayFrame(merged);
  }
}

class WaitReply implements ReplyHandler {
  constructor(
    private readonly request: WaitRequest,
    private readonly index: number,
  ) {}
  onReply(frame: Buffer): void {
    this.request.arrived(this.index, frame);
  }
  onConnectionFailure(error: BackendConnectionError): void {
    this.request.arrived(
      this.index,
      encodeError(`ERR connection to ${error.node} lost while waiting for replicas`),
    );
  }
}
