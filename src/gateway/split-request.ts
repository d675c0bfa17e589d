// Multi-key commands whose keys span slots (MGET, MSET, DEL, UNLINK, EXISTS, TOUCH): split into one
// command per slot, sent in parallel, merged back into the reply a single Redis would give. Replies
// are merged from byte slices: MGET's values are never decoded.

import { aggregateElements, arrayFrame, integerOf, isErrorFrame } from '../protocol/frame-slices.js';
import { encodeCommand, encodeError, encodeInteger, OK_REPLY } from '../protocol/resp-encoder.js';
import { slotOfBytes } from '../topology/slot-hash.js';
import type { QueuedReply, ReplySink } from './reply-queue.js';
import type { Router } from './router.js';
import { PartCommand, type PartOwner } from './simple-request.js';

/** Key argument indexes grouped by slot, in first-seen order. */
export function splitBySlot(args: readonly Buffer[], keyStep: number): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let i = 1; i < args.length; i += keyStep) {
    const key = args[i]!;
    const slot = slotOfBytes(key);
    const group = groups.get(slot);
    if (group) group.push(i);
    else groups.set(slot, [i]);
  }
  return groups;
}

abstract class FragmentedRequest implements QueuedReply, PartOwner {
  next: QueuedReply | null = null;
  reply: Buffer | null = null;
  protected readonly replies: Buffer[];
  protected readonly groups: number[][];
  private remaining: number;

  constructor(
    protected readonly sink: ReplySink,
    router: Router,
    args: readonly Buffer[],
    bySlot: Map<number, number[]>,
    keyStep: number,
    readOnly: boolean,
  ) {
    this.groups = [...bySlot.values()];
    this.replies = new Array(this.groups.length);
    this.remaining = this.groups.length;
    const parts: PartCommand[] = [];
    let index = 0;
    for (const [slot, keyIndexes] of bySlot) {
      const partArgs: Buffer[] = [args[0]!];
      for (const i of keyIndexes) for (let k = 0; k < keyStep; k++) partArgs.push(args[i + k]!);
      const part = new PartCommand(
        this,
        index++,
        router,
        encodeCommand(partArgs),
        slot,
        readOnly,
        null,
        sink,
      );
      part.durable = !readOnly;
      parts.push(part);
    }
    for (const part of parts) router.send(part);
  }

  partDone(index: number, frame: Buffer): void {
    this.replies[index] = frame;
    if (--this.remaining === 0) this.sink.complete(this, this.firstError() ?? this.merge());
  }

  private firstError(): Buffer | null {
    for (const r of this.replies) if (isErrorFrame(r)) return r;
    return null;
  }

  protected abstract merge(): Buffer;
}

/** MGET: values placed back in the order the client asked for them. */
export class MGetRequest extends FragmentedRequest {
  constructor(
    sink: ReplySink,
    router: Router,
    private readonly args: readonly Buffer[],
    bySlot: Map<number, number[]>,
  ) {
    super(sink, router, args, bySlot, 1, true);
  }

  protected merge(): Buffer {
    const values: Buffer[] = new Array(this.args.length - 1);
    for (let g = 0; g < this.groups.length; g++) {
      const elements = aggregateElements(this.replies[g]!);
      const keys = this.groups[g]!;
      if (!elements || elements.length !== keys.length) {
        return encodeError('ERR unexpected reply from a node while merging MGET');
      }
      for (let j = 0; j < keys.length; j++) values[keys[j]! - 1] = elements[j]!;
    }
    return arrayFrame(values);
  }
}

/** MSET: OK once every slot's part succeeded. */
export class MSetRequest extends FragmentedRequest {
  constructor(sink: ReplySink, router: Router, args: readonly Buffer[], bySlot: Map<number, number[]>) {
    super(sink, router, args, bySlot, 2, false);
  }

  protected merge(): Buffer {
    return OK_REPLY;
  }
}

/** DEL, UNLINK, EXISTS, TOUCH: the per-slot counts added up. */
export class SplitKeysSumRequest extends FragmentedRequest {
  constructor(
    sink: ReplySink,
    router: Router,
    args: readonly Buffer[],
    bySlot: Map<number, number[]>,
    readOnly: boolean,
  ) {
    super(sink, router, args, bySlot, 1, readOnly);
  }

  protected merge(): Buffer {
    let total = 0;
    for (const r of this.replies) {
      const n = integerOf(r);
      if (n === null) return encodeError('ERR unexpected reply from a node while summing counts');
      total += n;
    }
    return encodeInteger(total);
  }
}
