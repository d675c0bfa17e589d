// Commands that concern the whole keyspace: sent to every primary (or every node) and aggregated by
// the command's response policy (DBSIZE sums, KEYS concatenates, FLUSHALL needs every OK, INFO merges
// sections). SCAN and RANDOMKEY walk the primaries one at a time.

import type { MergePolicy } from '../commands/command-shape.js';
import { aggregateElements, arrayFrame, integerOf, isErrorFrame } from '../protocol/frame-slices.js';
import {
  encodeBulk,
  encodeCommand,
  encodeError,
  encodeInteger,
  encodeValue,
} from '../protocol/resp-encoder.js';
import { decodeFrame } from '../protocol/resp-scanner.js';
import type { NodeAddress } from '../topology/slot-map.js';
import { mergeInfo } from './info-merge.js';
import type { QueuedReply, ReplySink } from './reply-queue.js';
import type { Router } from './router.js';
import { PartCommand, type PartOwner } from './simple-request.js';

export class FanOutRequest implements QueuedReply, PartOwner {
  next: QueuedReply | null = null;
  reply: Buffer | null = null;
  private readonly replies: Buffer[];
  private remaining: number;

  constructor(
    private readonly sink: ReplySink,
    router: Router,
    frame: Buffer,
    nodes: readonly NodeAddress[],
    private readonly policy: MergePolicy,
    readOnly: boolean,
  ) {
    this.replies = new Array(nodes.length);
    this.remaining = nodes.length;
    if (nodes.length === 0) {
      sink.complete(this, encodeError('CLUSTERDOWN no nodes known'));
      return;
    }
    const parts = nodes.map((n, i) => new PartCommand(this, i, router, frame, -1, readOnly, n, sink));
    for (const p of parts) router.send(p);
  }

  partDone(index: number, frame: Buffer): void {
    this.replies[index] = frame;
    if (--this.remaining === 0) this.sink.complete(this, this.merge());
  }

  private merge(): Buffer {
    const replies = this.replies;
    if (this.policy === 'one-succeeded') return replies.find((r) => !isErrorFrame(r)) ?? replies[0]!;
    const error = replies.find(isErrorFrame);
    if (error) return error;
    switch (this.policy) {
      case 'all-succeeded':
        return replies[0]!;
      case 'sum':
      case 'min':
      case 'max': {
        const values = replies.map(integerOf);
        if (values.some((v) => v === null))
          return encodeError('ERR unexpected non-integer reply from a node');
        const nums = values as number[];
        const result =
          this.policy === 'sum'
            ? nums.reduce((a, b) => a + b, 0)
            : this.policy === 'min'
              ? Math.min(...nums)
              : Math.max(...nums);
        return encodeInteger(result);
      }
      case 'concat': {
        const all: Buffer[] = [];
        for (const r of replies) {
          const elements = aggregateElements(r);
          // Scalar replies (a command without a response policy that is not an array): one stands for all.
          if (!elements) return replies[0]!;
          all.push(...elements);
        }
        return arrayFrame(all);
      }
      case 'logical-and':
      case 'logical-or': {
        const columns = replies.map((r) => (aggregateElements(r) ?? []).map((e) => integerOf(e) ?? 0));
        const width = columns[0]?.length ?? 0;
        const merged: Buffer[] = [];
        for (let i = 0; i < width; i++) {
          const bits = columns.map((c) => c[i] ?? 0);
          const v = this.policy === 'logical-and' ? bits.every((b) => b !== 0) : bits.some((b) => b !== 0);
          merged.push(encodeInteger(v ? 1 : 0));
        }
        return arrayFrame(merged);
      }
      case 'union': {
        const seen = new Set<string>();
        const all: Buffer[] = [];
        for (const r of replies) {
          for (const e of aggregateElements(r) ?? []) {
            const key = e.toString('latin1');
            if (!seen.has(key)) {
              seen.add(key);
              all.push(e);
            }
          }
        }
        return arrayFrame(all);
      }
      case 'sum-per-name': {
        const names: Buffer[] = [];
        const counts: number[] = [];
        replies.forEach((r, nodeIndex) => {
          const items = aggregateElements(r) ?? [];
          for (let i = 0; i + 1 < items.length; i += 2) {
            const at = i / 2;
            if (nodeIndex === 0) {
              names.push(items[i]!);
              counts.push(0);
            }
            counts[at] = (counts[at] ?? 0) + (integerOf(items[i + 1]!) ?? 0);
          }
        });
        return arrayFrame(names.flatMap((n, i) => [n, encodeInteger(counts[i]!)]));
      }
      case 'info': {
        const texts = replies.map((r) => {
          const v = decodeFrame(r);
          return v.type === 'bulk' || v.type === 'verbatim' ? v.value.toString('utf8') : '';
        });
        const merged = mergeInfo(texts);
        return this.sink.protocol === 3
          ? encodeValue({ type: 'verbatim', format: 'txt', value: Buffer.from(merged) }, 3)
          : encodeBulk(merged);
      }
    }
  }
}

/** Bits of a SCAN cursor that name the shard; the rest is that node's own cursor. */
const SHARD_BITS = 10n;
const SHARD_MASK = (1n << SHARD_BITS) - 1n;

/**
 * SCAN across primaries: the cursor the client sees is (node cursor << 10) | shard index, so one
 * full iteration visits every primary in turn and returns every key exactly once (as SCAN does on one
 * node, keys present for the whole iteration are returned).
 */
export class ScanRequest implements QueuedReply, PartOwner {
  next: QueuedReply | null = null;
  reply: Buffer | null = null;
  private shard = 0;
  private readonly primaries: NodeAddress[];

  constructor(
    private readonly sink: ReplySink,
    private readonly router: Router,
    private readonly args: readonly Buffer[],
  ) {
    this.primaries = router.map.primaries().sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const text = args[1]!.toString('latin1');
    if (!/^\d+$/.test(text)) {
      sink.complete(this, encodeError('ERR invalid cursor'));
      return;
    }
    const cursor = BigInt(text);
    this.shard = Number(cursor & SHARD_MASK);
    if (this.shard >= this.primaries.length) {
      sink.complete(this, encodeError('ERR invalid cursor'));
      return;
    }
    this.sendTo(cursor >> SHARD_BITS);
  }

  private sendTo(nodeCursor: bigint): void {
    const partArgs = this.args.slice();
    partArgs[1] = Buffer.from(nodeCursor.toString(), 'latin1');
    const node = this.primaries[this.shard]!;
    this.router.send(
      new PartCommand(this, 0, this.router, encodeCommand(partArgs), -1, true, node, this.sink),
    );
  }

  partDone(_index: number, frame: Buffer): void {
    const parts = aggregateElements(frame);
    if (isErrorFrame(frame) || !parts || parts.length !== 2) {
      this.sink.complete(
        this,
        isErrorFrame(frame) ? frame : encodeError('ERR unexpected SCAN reply from a node'),
      );
      return;
    }
    const nodeCursorValue = decodeFrame(parts[0]!);
    const nodeCursor = BigInt(
      nodeCursorValue.type === 'bulk' ? nodeCursorValue.value.toString('latin1') : '0',
    );
    let next: bigint;
    if (nodeCursor !== 0n) next = (nodeCursor << SHARD_BITS) | BigInt(this.shard);
    else if (this.shard + 1 < this.primaries.length) next = BigInt(this.shard + 1);
    else next = 0n;
    this.sink.complete(this, arrayFrame([encodeBulk(next.toString()), parts[1]!]));
  }
}

/** RANDOMKEY: asks primaries in random order until one has a key. */
export class RandomKeyRequest implements QueuedReply, PartOwner {
  next: QueuedReply | null = null;
  reply: Buffer | null = null;
  private readonly order: NodeAddress[];

  constructor(
    private readonly sink: ReplySink,
    private readonly router: Router,
    private readonly frame: Buffer,
  ) {
    this.order = router.map.primaries();
    for (let i = this.order.length - 1; i > 0; i--) {
      const j = (Math.random() * (i + 1)) | 0;
      [this.order[i], this.order[j]] = [this.order[j]!, this.order[i]!];
    }
    this.ask();
  }

  private ask(): void {
    const node = this.order.pop()!;
    this.router.send(new PartCommand(this, 0, this.router, this.frame, -1, true, node, this.sink));
  }

  partDone(_index: number, frame: Buffer): void {
    const isNull = frame[0] === 0x5f || (frame[0] === 0x24 && frame[1] === 0x2d);
    if (isNull && this.order.length > 0) this.ask();
    else this.sink.complete(this, frame);
  }
}
