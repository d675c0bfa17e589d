// Commands whose effect lives on the client's connection: MULTI/EXEC/DISCARD, WATCH/UNWATCH,
// blocking commands, pub/sub and WAIT. The session hands them here; each gets the connection it
// needs (a queued block on one node, a dedicated connection, a subscriber connection).

import type { NodeConnection } from '../backend/node-connection.js';
import type { CommandEntry } from '../commands/command-table.js';
import { encodeCommand, encodeError, encodeValue, OK_REPLY } from '../protocol/resp-encoder.js';
import { resp } from '../protocol/resp-value.js';
import type { NodeAddress } from '../topology/slot-map.js';
import type { ClientSession } from './client-session.js';
import { CROSSSLOT, checkArity, readOnlyRefusal, slotOfKeys } from './client-session.js';
import { FanOutRequest } from './fan-out-request.js';
import { PinnedRequest } from './pinned-request.js';
import { type SubscriptionKind, Subscriptions } from './subscriptions.js';
import { EXECABORT, ExecRequest, TransactionState } from './transaction.js';
import { WaitRequest } from './wait-request.js';

const QUEUED = Buffer.from('+QUEUED\r\n');

/** Commands RESP2 clients may send while subscribed. */
const SUBSCRIBE_MODE = new Set([
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
  'ping',
  'quit',
  'reset',
]);

const SUB_KINDS: Record<string, [SubscriptionKind, 'sub' | 'unsub']> = {
  subscribe: ['channel', 'sub'],
  psubscribe: ['pattern', 'sub'],
  ssubscribe: ['shard', 'sub'],
  unsubscribe: ['channel', 'unsub'],
  punsubscribe: ['pattern', 'unsub'],
  sunsubscribe: ['shard', 'unsub'],
};

/** Redis's reply to a command that is not allowed while a RESP2 client is subscribed; null if allowed. */
export function subscribeModeError(entry: CommandEntry): Buffer | null {
  if (SUBSCRIBE_MODE.has(entry.spec.name)) return null;
  return encodeError(
    `ERR Can't execute '${entry.spec.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
  );
}

/** Redis's text for a command it does not know. */
export function unknownCommandError(args: readonly Buffer[]): Buffer {
  let rest = '';
  for (let i = 1; i < args.length && rest.length < 128; i++)
    rest += `'${args[i]!.toString('utf8').slice(0, 128 - rest.length)}' `;
  return encodeError(
    `ERR unknown command '${args[0]!.toString('utf8').slice(0, 128)}', with args beginning with: ${rest}`,
  );
}

/**
 * Inside MULTI: queues the command after Redis's queue-time checks and answers +QUEUED, or answers
 * the error and marks the transaction failed. Returns false for commands that end or escape the
 * block (EXEC, DISCARD, MULTI, WATCH), which the caller handles as usual.
 */
export function queueInTransaction(
  session: ClientSession,
  entry: CommandEntry | undefined,
  args: readonly Buffer[],
  frame: Buffer,
): boolean {
  const txn = session.txn!;
  const name = entry?.spec.name;
  if (
    name === 'exec' ||
    name === 'discard' ||
    name === 'multi' ||
    name === 'watch' ||
    name === 'quit' ||
    name === 'reset'
  ) {
    return false;
  }
  if (!entry) {
    txn.failed = true;
    session.pushLocal(unknownCommandError(args));
    return true;
  }
  const arityError = checkArity(entry, args);
  if (arityError) {
    txn.failed = true;
    session.pushLocal(arityError);
    return true;
  }
  const denied = readOnlyRefusal(session, entry);
  if (denied) {
    txn.failed = true;
    session.pushLocal(denied);
    return true;
  }
  if (!mayQueue(entry)) {
    txn.failed = true;
    session.pushLocal(encodeError(`ERR ${entry.displayName} is not allowed inside MULTI through Slotway`));
    return true;
  }
  const slot = slotOfKeys(entry, args);
  const watched = session.watch?.slot ?? -1;
  const txnSlot = txn.slot >= 0 ? txn.slot : watched;
  if (slot === -2 || (slot >= 0 && txnSlot >= 0 && slot !== txnSlot)) {
    txn.failed = true;
    session.gateway.stats.crossSlot++;
    session.pushLocal(CROSSSLOT);
    return true;
  }
  if (slot >= 0) txn.slot = slot;
  txn.frames.push(frame);
  session.pushLocal(QUEUED);
  return true;
}

/**
 * Whether a command may run inside the block, which EXEC sends on a shared backend connection. The
 * connection-state commands the gateway answers itself (HELLO, AUTH, CLIENT SETNAME, SELECT, ...)
 * must not: on that connection they would change it for every client multiplexed over it. Blocking
 * commands may, since Redis never blocks inside a transaction; pub/sub and WAIT may not.
 */
function mayQueue(entry: CommandEntry): boolean {
  const shape = entry.shape;
  switch (shape.kind) {
    case 'refused':
      return false;
    case 'pinned':
      return entry.spec.flags.has('blocking');
    case 'gateway':
      return entry.spec.name === 'ping' || entry.spec.name === 'echo';
    default:
      return true;
  }
}

/** Runs a command whose shape is `pinned` (or a blocking XREAD / XREADGROUP). */
export function runPinnedCommand(
  session: ClientSession,
  entry: CommandEntry,
  args: readonly Buffer[],
  frame: Buffer,
): void {
  const name = entry.spec.name;
  const router = session.gateway.router;
  switch (name) {
    case 'multi':
      if (session.txn) session.pushLocal(encodeError('ERR MULTI calls can not be nested'));
      else {
        session.txn = new TransactionState();
        session.pushLocal(OK_REPLY);
      }
      return;
    case 'discard':
      if (!session.txn) session.pushLocal(encodeError('ERR DISCARD without MULTI'));
      else {
        session.txn = null;
        releaseWatch(session);
        session.pushLocal(OK_REPLY);
      }
      return;
    case 'exec': {
      const txn = session.txn;
      if (!txn) {
        session.pushLocal(encodeError('ERR EXEC without MULTI'));
        return;
      }
      session.txn = null;
      if (txn.failed) {
        releaseWatch(session);
        session.pushLocal(EXECABORT);
        return;
      }
      const watch = session.watch;
      if (watch && txn.slot < 0) txn.slot = watch.slot;
      let watched: { node: NodeAddress; connection: NodeConnection } | null = null;
      if (watch) {
        if (!session.pinned.heldConnection(watch.node)) {
          // The connection holding the WATCH was lost, and the server's WATCH with it: nothing proves
          // the keys are unchanged, so the block is not run, as when they changed (null reply).
          releaseWatch(session);
          session.pushLocal(encodeValue(resp.nullArray(), session.protocol));
          return;
        }
        // The same connection, switched to the client's protocol if HELLO changed it since WATCH.
        watched = { node: watch.node, connection: session.pinned.get(watch.node, session.protocol) };
      }
      const exec = new ExecRequest(session, router, txn, watched, () => releaseWatch(session));
      // A WAIT after the block is asked on the shared connection that carried it, behind it.
      if (!watched && exec.sentOn && txn.frames.length > 0) session.noteWrite(exec.sentOn);
      session.enqueue(exec);
      return;
    }
    case 'watch': {
      if (session.txn) {
        session.pushLocal(encodeError('ERR WATCH inside MULTI is not allowed'));
        return;
      }
      const slot = slotOfKeys(entry, args);
      if (slot === -2 || (session.watch && session.watch.slot !== slot)) {
        session.pushLocal(CROSSSLOT);
        return;
      }
      // A second WATCH joins the first on the same connection.
      const node = session.watch?.node ?? router.map.primaryOf(slot);
      if (!node) {
        session.pushLocal(encodeError('CLUSTERDOWN Hash slot not served'));
        return;
      }
      session.watch = { slot, node };
      const request = new PinnedRequest(session, router, frame, slot, false, node, session.pinned);
      request.holdsConnection = true;
      session.startSimple(request);
      return;
    }
    case 'unwatch':
      releaseWatch(session);
      session.pushLocal(OK_REPLY);
      return;
    case 'wait':
    case 'waitaof':
      runWait(session, args);
      return;
    default:
      break;
  }
  const sub = SUB_KINDS[name];
  if (sub) {
    runSubscription(session, sub[0], sub[1], args);
    return;
  }
  // Blocking commands: a dedicated connection, so the shared ones never stall.
  const slot = slotOfKeys(entry, args);
  if (slot === -2) {
    session.pushLocal(CROSSSLOT);
    return;
  }
  const fixed = slot === -1 ? session.gateway.anyPrimary() : null;
  session.startSimple(new PinnedRequest(session, router, frame, slot, entry.readOnly, fixed, session.pinned));
}

/** Dropping the dedicated connection discards the server-side WATCH state with it. */
function releaseWatch(session: ClientSession): void {
  const watch = session.watch;
  if (!watch) return;
  session.watch = null;
  session.pinned.unhold(watch.node);
}

function runSubscription(
  session: ClientSession,
  kind: SubscriptionKind,
  op: 'sub' | 'unsub',
  args: readonly Buffer[],
): void {
  const names = args.slice(1);
  if (
    kind === 'shard' &&
    names.length > 0 &&
    slotOfKeys(session.gateway.commands.get('ssubscribe')!, args) === -2
  ) {
    session.pushLocal(CROSSSLOT);
    return;
  }
  if (op === 'unsub') {
    if (session.subscriptions) session.pushLocal(session.subscriptions.unsubscribe(kind, names));
    else session.pushLocal(Subscriptions.emptyUnsubscribe(kind, session.protocol));
    return;
  }
  if (!session.subscriptions) {
    session.subscriptions = new Subscriptions(session, session.gateway.router, (s) =>
      session.gateway.subscriptionsEnded(s),
    );
  }
  session.gateway.subscriptionsStarted(session.subscriptions);
  session.enqueue(session.subscriptions.subscribe(kind, names));
}

/**
 * WAIT / WAITAOF: asked on every shared connection that carried this client's writes since its last
 * WAIT (replication offsets are per connection); the smallest count is the answer. A timeout of 0
 * (forever) is capped below the command timeout, since the connection is shared.
 */
function runWait(session: ClientSession, args: readonly Buffer[]): void {
  const gw = session.gateway;
  const capMs = Math.max(1, Math.floor(gw.options.backend.commandTimeoutMs / 2));
  const timeoutIndex = args.length - 1;
  const requested = Number(args[timeoutIndex]!.toString('latin1'));
  if (!Number.isInteger(requested) || requested < 0) {
    session.pushLocal(encodeError('ERR timeout is not an integer or out of range'));
    return;
  }
  const waitArgs = args.slice();
  waitArgs[timeoutIndex] = Buffer.from(String(requested === 0 || requested > capMs ? capMs : requested));
  const connections = session.writeConnections ? [...session.writeConnections] : [];
  session.writeConnections?.clear();
  const frame = encodeCommand(waitArgs);
  if (connections.length === 0) {
    const node = gw.anyPrimary();
    session.enqueue(new FanOutRequest(session, gw.router, frame, node ? [node] : [], 'min', false));
    return;
  }
  session.enqueue(new WaitRequest(session, frame, connections));
}
