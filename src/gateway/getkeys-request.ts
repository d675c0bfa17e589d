// Commands whose key specs cannot find every key: a primary is asked `COMMAND GETKEYS <args>` first,
// then the original frame goes, as a SimpleRequest, to the slot of the keys it names, or the client
// gets CROSSSLOT when they differ. If the node cannot tell (bad arguments), the command is routed by
// its key specs so a node answers with Redis's own error.
//
// The question costs a round trip during which the client's later commands may overtake this one, so
// it is asked only when the key specs cannot be trusted (see needsServerKeys): SORT ... STORE is routed
// by its source key and the node itself rejects a STORE key in another slot with CROSSSLOT.

import type { NodeConnection } from '../backend/node-connection.js';
import type { CommandSpec } from '../commands/command-spec.js';
import type { CommandEntry } from '../commands/command-table.js';
import { keyIndexes } from '../commands/key-extraction.js';
import { aggregateElements, isErrorFrame } from '../protocol/frame-slices.js';
import { encodeCommand, encodeError } from '../protocol/resp-encoder.js';
import { decodeFrame } from '../protocol/resp-scanner.js';
import { slotOfBytes } from '../topology/slot-hash.js';
import type { NodeAddress } from '../topology/slot-map.js';
import type { QueuedReply, ReplySink } from './reply-queue.js';
import type { Router } from './router.js';
import { PartCommand, type PartOwner, SimpleRequest } from './simple-request.js';

const CROSSSLOT = encodeError("CROSSSLOT Keys in request don't hash to the same slot");
const COMMAND = Buffer.from('COMMAND');
const GETKEYS = Buffer.from('GETKEYS');
/** Not a slot: the keys hash to several. */
const CROSS_SLOT = -2;

export class GetKeysRequest implements QueuedReply, PartOwner, ReplySink {
  next: QueuedReply | null = null;
  reply: Buffer | null = null;
  /** Handed to the SimpleRequest that runs the command (latency histogram, WAIT bookkeeping). */
  latency: { observe(seconds: number): void } | null = null;
  /** The latency covers the GETKEYS question too. */
  private readonly startedAt = performance.now();
  writeSink: { noteWrite(connection: NodeConnection): void } | null = null;

  get id(): number {
    return this.sink.id;
  }

  constructor(
    private readonly sink: ReplySink,
    private readonly router: Router,
    private readonly entry: CommandEntry,
    private readonly args: readonly Buffer[],
    private readonly frame: Buffer,
    /** Asked GETKEYS; also runs the command when it has no keys. */
    private readonly anyNode: NodeAddress | null,
  ) {
    if (!anyNode) {
      sink.complete(this, encodeError('CLUSTERDOWN no nodes known'));
      return;
    }
    const question = encodeCommand([COMMAND, GETKEYS, ...args]);
    router.send(new PartCommand(this, 0, router, question, -1, true, anyNode, sink));
  }

  get protocol(): 2 | 3 {
    return this.sink.protocol;
  }

  /** The GETKEYS answer: route the command by it. */
  partDone(_index: number, frame: Buffer): void {
    const slot = isErrorFrame(frame) ? this.slotFromKeySpecs() : slotOfKeyList(frame);
    if (slot === CROSS_SLOT) {
      this.router.stats.crossSlot++;
      this.sink.complete(this, CROSSSLOT);
      return;
    }
    const run = new SimpleRequest(
      this,
      this.router,
      this.frame,
      slot,
      this.entry.readOnly,
      slot === -1 ? this.anyNode : null,
    );
    run.latency = this.latency;
    run.startedAt = this.startedAt;
    run.writeSink = this.writeSink;
    // Durable-write mode holds a write's reply until replicas confirmed it.
    run.durable = this.entry.write;
    this.router.send(run);
  }

  /** The command's reply, from the SimpleRequest that ran it. */
  complete(_entry: QueuedReply, reply: Buffer): void {
    this.sink.complete(this, reply);
  }

  /** The node could not find keys (usually bad arguments): route as the key specs say. */
  private slotFromKeySpecs(): number {
    const keys = keyIndexes(this.entry.spec, this.args);
    if (keys.length === 0) return -1;
    const slot = slotOfBytes(this.args[keys[0]!]!);
    for (let i = 1; i < keys.length; i++) if (slotOfBytes(this.args[keys[i]!]!) !== slot) return CROSS_SLOT;
    return slot;
  }
}

/**
 * Whether routing must wait for the server's COMMAND GETKEYS: the key specs are incomplete and either
 * found no key at all, or found some through a spec flagged incomplete (MIGRATE's `KEYS` form, where
 * the key at index 3 is an empty placeholder). When every key found comes from a complete spec, those
 * are real keys; a node rejects any further key in another slot with CROSSSLOT itself.
 */
export function needsServerKeys(spec: CommandSpec, args: readonly Buffer[]): boolean {
  if (!spec.needsGetKeys) return false;
  let found = false;
  for (const keySpec of spec.keySpecs) {
    if (keyIndexes({ ...spec, keySpecs: [keySpec] }, args).length === 0) continue;
    if (keySpec.flags.has('incomplete')) return true;
    found = true;
  }
  return !found;
}

/** The one slot of the keys in a GETKEYS reply; -1 for no keys, CROSS_SLOT when they differ. */
function slotOfKeyList(frame: Buffer): number {
  const elements = aggregateElements(frame);
  if (!elements) return -1;
  let slot = -1;
  for (const element of elements) {
    const key = decodeFrame(element);
    if (key.type !== 'bulk') continue;
    const s = slotOfBytes(key.value);
    if (slot === -1) slot = s;
    else if (s !== slot) return CROSS_SLOT;
  }
  return slot;
}
