// MULTI/EXEC through the gateway. Commands are queued in the gateway (answered +QUEUED after the same
// queue-time checks Redis makes: unknown command, arity, and in cluster mode all keys in one slot);
// EXEC sends MULTI, the commands and EXEC as one contiguous block on one connection to the slot's
// primary — the client's WATCH connection when it has one, else a shared connection, which is safe
// because the block is written in one piece and Redis runs a connection's commands in order.

import type { BackendConnectionError, NodeConnection, ReplyHandler } from '../backend/node-connection.js';
import { encodeCommand, encodeError } from '../protocol/resp-encoder.js';
import type { NodeAddress } from '../topology/slot-map.js';
import { parseRedirect } from './redirects.js';
import type { QueuedReply, ReplySink } from './reply-queue.js';
import type { Router } from './router.js';

const MULTI = encodeCommand(['MULTI']);
const EXEC = encodeCommand(['EXEC']);
const ASKING = encodeCommand(['ASKING']);

/** The client's open MULTI block. */
export class TransactionState {
  readonly frames: Buffer[] = [];
  /** Slot all keyed commands share; -1 until the first keyed command. */
  slot = -1;
  /** A queue-time error happened: EXEC answers EXECABORT. */
  failed = false;
}

/** The client's WATCH: the slot it covers and the node whose dedicated connection holds it. */
export interface WatchState {
  slot: number;
  node: NodeAddress;
}

export const EXECABORT = encodeError('EXECABORT Transaction discarded because of previous errors.');

/**
 * Runs a queued transaction. Replies to MULTI and to each queued command are checked for redirects
 * (the slot moved: run the whole block again on the new owner); EXEC's reply goes to the client.
 */
export class ExecRequest implements QueuedReply {
  next: QueuedReply | null = null;
  reply: Buffer | null = null;
  private attempts = 0;
  private readonly handlers: TxReply[];
  private replies: Buffer[] = [];
  private ask: NodeAddress | null = null;
  private done = false;
  /** Host of the node the block went to, for redirects that leave their host empty. */
  private sentToHost = '';
  /** The connection the block was last sent on. */
  sentOn: NodeConnection | null = null;

  constructor(
    private readonly sink: ReplySink,
    private readonly router: Router,
    private readonly txn: TransactionState,
    /** The WATCH connection, when the client watched keys; the block must run there. */
    private readonly watched: { node: NodeAddress; connection: NodeConnection } | null,
    private readonly onDone: () => void,
  ) {
    this.handlers = [];
    for (let i = 0; i < txn.frames.length + 2; i++) this.handlers.push(new TxReply(this, i));
    this.send();
  }

  private send(): void {
    this.replies = new Array(this.handlers.length);
    let connection: NodeConnection | undefined;
    if (this.watched) {
      connection = this.watched.connection;
    } else {
      const node =
        this.ask ??
        (this.txn.slot >= 0 ? this.router.map.primaryOf(this.txn.slot) : this.router.map.primaries()[0]);
      if (!node) {
        this.finish(encodeError('CLUSTERDOWN Hash slot not served'));
        return;
      }
      connection = this.router.pool.get(node, this.sink.protocol, 'primary', this.sink.id);
    }
    this.sentToHost = connection.node.host;
    this.sentOn = connection;
    const handlers = this.handlers;
    if (this.ask) connection.send(ASKING, DISCARD);
    this.ask = null;
    connection.send(MULTI, handlers[0]!);
    for (let i = 0; i < this.txn.frames.length; i++) connection.send(this.txn.frames[i]!, handlers[i + 1]!);
    connection.send(EXEC, handlers[handlers.length - 1]!, true);
  }

  replyArrived(index: number, frame: Buffer): void {
    this.replies[index] = frame;
    if (index < this.handlers.length - 1) return;
    // EXEC answered. If a queued command was redirected, the slot moved: run the block again there.
    for (let i = 0; i < index; i++) {
      const redirect = parseRedirect(this.replies[i]!, this.sentToHost);
      if (!redirect || this.watched || this.attempts >= this.router.options.maxRedirects) continue;
      this.attempts++;
      if (redirect.kind === 'moved') {
        this.router.topology.applyMoved(redirect.slot, redirect.node);
        this.router.topology.requestRefresh('MOVED');
      } else if (redirect.kind === 'ask') {
        this.ask = redirect.node;
      }
      if (redirect.kind === 'retry') setTimeout(() => this.send(), this.router.options.retryDelayMs);
      else this.send();
      return;
    }
    this.finish(frame);
  }

  connectionFailed(error: BackendConnectionError, written: boolean): void {
    this.finish(
      encodeError(
        written
          ? `ERR connection to ${error.node} lost during EXEC; the transaction may or may not have been applied`
          : `CLUSTERDOWN ${error.message}`,
      ),
    );
  }

  private finish(frame: Buffer): void {
    if (this.done) return;
    this.done = true;
    this.onDone();
    this.sink.complete(this, frame);
  }
}

class TxReply implements ReplyHandler {
  private failed = false;
  constructor(
    private readonly exec: ExecRequest,
    private readonly index: number,
  ) {}
  onReply(frame: Buffer): void {
    this.exec.replyArrived(this.index, frame);
  }
  onConnectionFailure(error: BackendConnectionError, written: boolean): void {
    if (this.failed) return;
    this.failed = true;
    this.exec.connectionFailed(error, written);
  }
}

const DISCARD: ReplyHandler = { onReply() {}, onConnectionFailure() {} };
