// One client connection to the gateway: parses its requests, turns each into the request shape its
// command needs, and writes replies back in arrival order. Holds the per-connection state a Redis
// client expects (protocol version, name, authentication, transaction, subscriptions).

import type { Socket } from 'node:net';
import type { NodeConnection } from '../backend/node-connection.js';
import { type ChunkSink, readChunks, sinkOf } from '../backend/socket-reads.js';
import { enqueueWrite, WriteQueue } from '../backend/write-batcher.js';
import type { CommandEntry } from '../commands/command-table.js';
import { keyIndexes } from '../commands/key-extraction.js';
import type { CommandStats } from '../observability/command-stats.js';
import { ProtocolError } from '../protocol/protocol-error.js';
import { type ParsedRequest, RequestParser } from '../protocol/request-parser.js';
import { encodeCommand, encodeError } from '../protocol/resp-encoder.js';
import { slotOfBytes } from '../topology/slot-hash.js';
import { FanOutRequest, RandomKeyRequest, ScanRequest } from './fan-out-request.js';
import type { Gateway } from './gateway.js';
import { GetKeysRequest, needsServerKeys } from './getkeys-request.js';
import { runLocalCommand } from './local-commands.js';
import { PinnedConnections } from './pinned-connections.js';
import type { QueuedReply, ReplySink } from './reply-queue.js';
import { SimpleRequest } from './simple-request.js';
import { MGetRequest, MSetRequest, SplitKeysSumRequest, splitBySlot } from './split-request.js';
import { queueInTransaction, runPinnedCommand, subscribeModeError } from './stateful-commands.js';
import type { Subscriptions } from './subscriptions.js';
import type { TransactionState, WatchState } from './transaction.js';

/** Stop reading from a client with this many commands awaiting replies; resume at half. */
const MAX_PENDING = 4096;
/**
 * Commands a client may have awaiting replies before any reply came back; each reply widens the
 * window by one up to MAX_PENDING, and a large reply narrows it to what fits in the output-buffer
 * limit. So a client pipelining GETs of 1 MB values it never reads puts about that limit, not
 * MAX_PENDING megabytes, on the shared backend connections in front of every other client.
 */
const INITIAL_WINDOW = 64;
const MIN_WINDOW = 4;
const EMPTY = Buffer.alloc(0);

export const CROSSSLOT = encodeError("CROSSSLOT Keys in request don't hash to the same slot");
const NOAUTH = encodeError('NOAUTH Authentication required.');

/** Commands a client may send before authenticating, as in Redis. */
const BEFORE_AUTH = new Set(['auth', 'hello', 'quit', 'reset']);

class LocalReply implements QueuedReply {
  next: QueuedReply | null = null;
  constructor(public reply: Buffer | null) {}
}

/** The slot of a command's keys: -1 for none, -2 when they span slots (CROSSSLOT). */
export function slotOfKeys(entry: CommandEntry, args: readonly Buffer[]): number {
  const single = entry.singleKeyIndex;
  if (single > 0) return single < args.length ? slotOfBytes(args[single]!) : -1;
  const keys = keyIndexes(entry.spec, args);
  if (keys.length === 0) return -1;
  const slot = slotOfBytes(args[keys[0]!]!);
  for (let i = 1; i < keys.length; i++) if (slotOfBytes(args[keys[i]!]!) !== slot) return -2;
  return slot;
}

export class ClientSession implements ReplySink, ChunkSink {
  protocol: 2 | 3 = 2;
  name = '';
  user = 'default';
  authenticated: boolean;
  readOnlyUser = false;
  /** CLIENT SETINFO's lib-name / lib-ver; null until a client sets one (most idle clients never do). */
  libInfo: { 'lib-name'?: string; 'lib-ver'?: string } | null = null;
  readonly createdAt = Date.now();
  lastCommandAt = Date.now();
  lastCommand = 'NULL';
  /** Open MULTI block, if any. */
  txn: TransactionState | null = null;
  /** Keys watched with WATCH, if any. */
  watch: WatchState | null = null;
  /** Pub/sub state, created on first subscribe. */
  subscriptions: Subscriptions | null = null;
  /** Shared connections that carried this client's writes since its last WAIT; null before the first. */
  writeConnections: Set<NodeConnection> | null = null;
  /** Created on first use: a gateway holds thousands of idle clients that never block or WATCH. */
  private pinnedConnections: PinnedConnections | null = null;
  private head: QueuedReply | null = null;
  private tail: QueuedReply | null = null;
  private pending = 0;
  /** Replies this client may be waiting for before reading stops (see INITIAL_WINDOW). */
  private window = INITIAL_WINDOW;
  private paused = false;
  private closing = false;
  private readonly out: WriteQueue;
  private readonly parser: RequestParser;
  /** Stats of the command being executed (its latency is recorded when the reply is ready). */
  private latency: CommandStats | null = null;

  constructor(
    readonly gateway: Gateway,
    readonly socket: Socket,
    readonly id: number,
  ) {
    this.authenticated = !gateway.authRequired;
    this.out = new WriteQueue(socket);
    this.parser = new RequestParser(gateway.requestLimits);
    socket.setNoDelay(true);
    // Listeners are shared functions that find the session on the socket (readChunks keeps it there):
    // a closure each would cost every one of thousands of idle clients a few hundred bytes.
    readChunks(socket, this);
    socket.on('error', destroySocket);
    socket.on('close', sessionSocketClosed);
    socket.on('drain', sessionSocketDrained);
    const idle = gateway.options.idleTimeoutMs ?? 0;
    if (idle > 0) {
      // A listener of its own: setTimeout(ms, callback) would listen once, and a client found busy
      // the first time (blocked, subscribed) would then never be closed once it went idle.
      socket.on('timeout', sessionSocketTimedOut);
      socket.setTimeout(idle);
    }
  }

  /** This client's dedicated backend connections (blocking commands, WATCH). */
  get pinned(): PinnedConnections {
    this.pinnedConnections ??= new PinnedConnections(this.gateway.pool);
    return this.pinnedConnections;
  }

  /** Redis's `timeout`: idle clients are closed, but not subscribers or clients waiting on a reply. */
  onIdle(idleMs: number): void {
    if (this.pending > 0 || (this.subscriptions && this.subscriptions.total > 0)) {
      // Quiet but not idle: look again one period later (a fired socket timeout does not re-arm).
      this.socket.setTimeout(idleMs);
      return;
    }
    this.socket.destroy();
  }

  /** Graceful shutdown: read nothing more, finish what was received, then close. */
  beginDrain(): void {
    this.socket.pause();
    this.closeAfterReplies();
  }

  get idle(): boolean {
    return this.pending === 0;
  }

  /** Bytes read from the client (ChunkSink). */
  onChunk(chunk: Buffer): void {
    if (this.closing) return;
    this.parser.push(chunk);
    let full = false;
    try {
      for (let req = this.parser.next(); req !== null; req = this.parser.next()) {
        this.execute(req);
        if (this.closing) break;
        // The rest stays parsed-later in the buffer until replies make room (afterWrite).
        if (this.pending >= this.window) {
          full = true;
          break;
        }
      }
      if (!full && this.parser.buffered > this.gateway.options.maxRequestBytes) {
        throw new ProtocolError('INVALID_BULK_LENGTH', 'request too large');
      }
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.gateway.stats.protocolErrors++;
      this.pushLocal(encodeError(err.toReply()));
      this.closeAfterReplies();
      return;
    }
    if (this.pending >= this.window && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  /** Turns one request into the right request shape and starts it. */
  private execute(req: ParsedRequest): void {
    const args = req.args;
    const gw = this.gateway;
    this.lastCommandAt = Date.now();
    this.latency = null;
    const entry = gw.commands.resolve(args);
    if (!entry && isHttpRequestLine(args[0]!)) {
      // An HTTP request sent to the RESP port (`POST /`, `Host:`), e.g. by a browser tricked into it.
      // Redis drops such a client without a reply, and so do we: forwarded, these would make the node
      // close a shared backend connection, failing other clients' commands in flight on it.
      gw.stats.protocolErrors++;
      this.closing = true;
      this.socket.destroy();
      return;
    }
    if (!this.authenticated && !(entry && BEFORE_AUTH.has(entry.spec.name.split('|')[0]!))) {
      this.pushLocal(NOAUTH);
      return;
    }
    const frame = req.raw ?? encodeCommand(args);
    if (this.txn && queueInTransaction(this, entry, args, frame)) return;
    if (!entry) {
      // Unknown to the backend: let a node produce Redis's exact error text.
      this.startSimple(new SimpleRequest(this, gw.router, frame, -1, false, gw.anyPrimary()));
      return;
    }
    this.lastCommand = entry.spec.name;
    const stats = gw.commandStats.get(entry.spec.name);
    stats.calls++;
    this.latency = stats;
    const arityError = checkArity(entry, args);
    if (arityError) {
      this.pushLocal(arityError);
      return;
    }
    if (this.protocol === 2 && this.subscriptions && this.subscriptions.total > 0) {
      const refusal = subscribeModeError(entry);
      if (refusal) {
        this.pushLocal(refusal);
        return;
      }
    }
    const denied = readOnlyRefusal(this, entry);
    if (denied) {
      this.pushLocal(denied);
      return;
    }
    const shape = entry.shape;
    switch (shape.kind) {
      case 'single-slot':
        if (entry.spec.flags.has('blocking') && hasBlockOption(args)) {
          runPinnedCommand(this, entry, args, frame);
          return;
        }
        this.routeByKeys(entry, args, frame);
        return;
      case 'split': {
        if (shape.keyStep === 2 && args.length % 2 === 0) {
          this.pushLocal(encodeError(`ERR wrong number of arguments for '${entry.spec.name}' command`));
          return;
        }
        const bySlot = splitBySlot(args, shape.keyStep);
        if (bySlot.size === 1) {
          const slot = bySlot.keys().next().value!;
          const req = new SimpleRequest(this, gw.router, frame, slot, entry.readOnly);
          req.durable = entry.write;
          this.startSimple(req);
        } else if (shape.merge === 'mget') {
          this.enqueue(new MGetRequest(this, gw.router, args, bySlot));
        } else if (shape.merge === 'mset') {
          this.enqueue(new MSetRequest(this, gw.router, args, bySlot));
        } else {
          this.enqueue(new SplitKeysSumRequest(this, gw.router, args, bySlot, entry.readOnly));
        }
        return;
      }
      case 'fan-out': {
        const map = gw.router.map;
        const nodes = shape.target === 'primaries' ? map.primaries() : map.allNodes();
        this.enqueue(new FanOutRequest(this, gw.router, frame, nodes, shape.merge, entry.readOnly));
        return;
      }
      case 'scan':
        this.enqueue(new ScanRequest(this, gw.router, args));
        return;
      case 'random-key':
        this.enqueue(new RandomKeyRequest(this, gw.router, frame));
        return;
      case 'any-node':
        if (entry.spec.name === 'publish') {
          // Every PUBLISH to a channel enters the cluster at the owner of the channel's slot, so its
          // messages keep their order on the way to subscribers on every node (one bus link each).
          this.startSimple(new SimpleRequest(this, gw.router, frame, slotOfBytes(args[1]!), false));
          return;
        }
        this.startSimple(new SimpleRequest(this, gw.router, frame, -1, entry.readOnly, gw.anyPrimary()));
        return;
      case 'gateway':
        this.pushLocal(runLocalCommand(this, entry, args));
        return;
      case 'pinned':
        runPinnedCommand(this, entry, args, frame);
        return;
      case 'refused':
        this.pushLocal(encodeError(`ERR Slotway does not proxy ${entry.displayName}: ${shape.reason}`));
        return;
    }
  }

  private routeByKeys(entry: CommandEntry, args: readonly Buffer[], frame: Buffer): void {
    const gw = this.gateway;
    if (entry.spec.needsGetKeys && needsServerKeys(entry.spec, args)) {
      // Key specs cannot find every key (MIGRATE ... KEYS): ask a node, then route.
      const req = new GetKeysRequest(this, gw.router, entry, args, frame, gw.anyPrimary());
      req.latency = this.latency;
      if (entry.write) req.writeSink = this;
      this.enqueue(req);
      return;
    }
    const slot = slotOfKeys(entry, args);
    if (slot === -2) {
      gw.stats.crossSlot++;
      this.pushLocal(CROSSSLOT);
      return;
    }
    const fixed = slot === -1 ? gw.anyPrimary() : null;
    const req = new SimpleRequest(this, gw.router, frame, slot, entry.readOnly, fixed);
    if (entry.write) {
      req.writeSink = this;
      req.durable = true;
    }
    this.startSimple(req);
  }

  /** Queues a routed request behind earlier replies and sends it. */
  startSimple(req: SimpleRequest): void {
    if (this.latency) {
      req.latency = this.latency;
      req.startedAt = performance.now();
    }
    this.enqueue(req);
    this.gateway.router.send(req);
  }

  /** Records that a shared connection carried one of this client's writes (for WAIT). */
  noteWrite(connection: NodeConnection): void {
    const written = (this.writeConnections ??= new Set());
    if (written.size < 64) written.add(connection);
  }

  /** Appends a request to the reply queue (it may already be complete). */
  enqueue(entry: QueuedReply): void {
    this.pending++;
    if (this.tail) this.tail.next = entry;
    else this.head = entry;
    this.tail = entry;
    if (entry.reply !== null && this.head === entry) this.drain();
  }

  /** A frame the gateway produced itself (or a pub/sub message), queued behind earlier replies. */
  pushLocal(reply: Buffer): void {
    if (this.head === null) {
      enqueueWrite(this.out, reply);
      this.afterWrite();
    } else {
      this.enqueue(new LocalReply(reply));
    }
  }

  push(frame: Buffer): void {
    this.pushLocal(frame);
  }

  complete(entry: QueuedReply, reply: Buffer): void {
    entry.reply = reply;
    if (entry === this.head) this.drain();
  }

  private drain(): void {
    let entry = this.head;
    while (entry !== null && entry.reply !== null) {
      this.fitWindow(entry.reply.length);
      enqueueWrite(this.out, entry.reply);
      entry.reply = null;
      this.pending--;
      entry = entry.next;
    }
    this.head = entry;
    if (entry === null) this.tail = null;
    this.afterWrite();
  }

  /** Widens the window by one per reply, or narrows it so replies this size fit the output limit. */
  private fitWindow(bytes: number): void {
    const limit = this.gateway.options.clientOutputBufferBytes;
    const fit = limit > 0 && bytes > 0 ? Math.floor(limit / bytes) : MAX_PENDING;
    if (fit < this.window) this.window = Math.max(MIN_WINDOW, fit);
    else if (this.window < MAX_PENDING) this.window++;
  }

  private afterWrite(): void {
    if (this.paused && this.pending <= this.window >> 1) {
      this.paused = false;
      this.socket.resume();
      // Requests that arrived while the window was full are already buffered: run them now.
      if (this.parser.buffered > 0) setImmediate(() => this.socket.destroyed || this.onChunk(EMPTY));
    }
    this.checkOutput();
    if (this.closing && this.head === null) {
      setImmediate(() => this.endSocket());
    }
  }

  /** Disconnects a client whose unread replies exceed the output-buffer limit. */
  checkOutput(): void {
    const limit = this.gateway.options.clientOutputBufferBytes;
    if (limit > 0 && this.socket.writableLength + this.out.bytes > limit) {
      this.gateway.logger.warn(
        { client: this.id, bytes: this.socket.writableLength },
        'client output buffer limit reached; closing',
      );
      this.socket.destroy();
    }
  }

  closeAfterReplies(): void {
    this.closing = true;
    if (this.head === null) setImmediate(() => this.endSocket());
  }

  /**
   * Sends FIN after the last reply, then reads (and drops, since `closing` is set) until the client's
   * own FIN, so the socket closes. A socket left paused (drain, a full window) would never see that FIN
   * and would linger until the drain timeout destroyed it.
   */
  private endSocket(): void {
    this.socket.end();
    this.socket.resume();
  }

  /** Drops transaction, watch, subscriptions and dedicated connections (RESET, disconnect). */
  releaseState(): void {
    this.txn = null;
    this.watch = null;
    this.pinnedConnections?.release();
    if (this.subscriptions) {
      this.subscriptions.close();
      this.gateway.subscriptionsEnded(this.subscriptions);
      this.subscriptions = null;
    }
    this.writeConnections?.clear();
  }

  reset(): void {
    this.releaseState();
    this.protocol = 2;
    this.name = '';
    this.authenticated = !this.gateway.authRequired;
    this.readOnlyUser = false;
    this.user = 'default';
  }

  /** The socket closed: lets go of what this client held. */
  onClose(): void {
    this.releaseState();
    this.gateway.sessionClosed(this);
  }

  /** One CLIENT LIST line, in Redis's format. */
  describe(): string {
    const now = Date.now();
    const addr = `${this.socket.remoteAddress}:${this.socket.remotePort}`;
    const laddr = `${this.socket.localAddress}:${this.socket.localPort}`;
    const subs = this.subscriptions;
    return (
      `id=${this.id} addr=${addr} laddr=${laddr} fd=0 name=${this.name} age=${Math.floor((now - this.createdAt) / 1000)} ` +
      `idle=${Math.floor((now - this.lastCommandAt) / 1000)} flags=${subs && subs.total > 0 ? 'P' : this.txn ? 'x' : 'N'} db=0 ` +
      `sub=${subs?.count('channel') ?? 0} psub=${subs?.count('pattern') ?? 0} ssub=${subs?.count('shard') ?? 0} ` +
      `multi=${this.txn ? this.txn.frames.length : -1} qbuf=${this.parser.buffered} ` +
      `qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=${this.pending} omem=${this.socket.writableLength} tot-mem=0 ` +
      `events=r cmd=${this.lastCommand} user=${this.user} redir=-1 resp=${this.protocol}` +
      `${this.libInfo?.['lib-name'] ? ` lib-name=${this.libInfo['lib-name']}` : ''}${this.libInfo?.['lib-ver'] ? ` lib-ver=${this.libInfo['lib-ver']}` : ''}`
    );
  }
}

function destroySocket(this: Socket): void {
  this.destroy();
}

/** The session of a client socket: the sink its reads go to. */
function sessionOf(socket: Socket): ClientSession {
  return sinkOf(socket) as ClientSession;
}

function sessionSocketClosed(this: Socket): void {
  sessionOf(this).onClose();
}

function sessionSocketDrained(this: Socket): void {
  sessionOf(this).checkOutput();
}

function sessionSocketTimedOut(this: Socket): void {
  const session = sessionOf(this);
  session.onIdle(session.gateway.options.idleTimeoutMs ?? 0);
}

/** Scripts can write whatever their flags say; only their _RO variants are read-only. */
const SCRIPT_RUNNERS = new Set(['eval', 'evalsha', 'fcall']);

/**
 * NOPERM for a read-only gateway user: writes, administrative commands the nodes would run (CONFIG
 * SET, ...) and scripts that may write; null when allowed. Checked again at queue time inside MULTI.
 */
export function readOnlyRefusal(session: ClientSession, entry: CommandEntry): Buffer | null {
  if (!session.readOnlyUser || entry.shape.kind === 'gateway') return null;
  const name = entry.spec.name;
  if (!entry.write && !entry.spec.flags.has('admin') && !SCRIPT_RUNNERS.has(name)) return null;
  return encodeError(`NOPERM this user has no permissions to run the '${name}' command`);
}

/** Redis's arity rule: positive = exact, negative = at least. */
export function checkArity(entry: CommandEntry, args: readonly Buffer[]): Buffer | null {
  const arity = entry.spec.arity;
  const argc = args.length;
  if ((arity > 0 && arity !== argc) || argc < -arity) {
    return encodeError(`ERR wrong number of arguments for '${entry.spec.name}' command`);
  }
  return null;
}

/** XREAD / XREADGROUP block only with a BLOCK option before STREAMS. */
function hasBlockOption(args: readonly Buffer[]): boolean {
  for (let i = 1; i < args.length; i++) {
    const word = args[i]!.toString('latin1').toLowerCase();
    if (word === 'streams') return false;
    if (word === 'block') return true;
  }
  return false;
}

/** `POST` and `Host:` in any case: the words Redis treats as a cross-protocol attack. */
function isHttpRequestLine(name: Buffer): boolean {
  if (name.length !== 4 && name.length !== 5) return false;
  const word = name.toString('latin1').toLowerCase();
  return word === 'post' || word === 'host:';
}
