// One simulated client of the load generator: sends `pipeline` requests at a time and records the
// latency of each. Towards a cluster it holds one socket per node and sends each request's parts to
// the nodes owning their keys (a request completes when every part has replied); towards a single
// endpoint it is one socket. Replies are counted, never decoded; writes are batched per data event.

import net from 'node:net';
import type { LatencyHistogram } from './latency-histogram.js';
import { ReplyCounter } from './reply-counter.js';
import type { PreparedRequest } from './workload.js';

/** Requests an open-loop client may have outstanding on its connection(s). */
const OPEN_LOOP_WINDOW = 64;
/** Bytes read from a socket at a time. */
const READ_BUFFER_BYTES = 256 * 1024;

export interface Endpoint {
  host: string;
  port: number;
}

/** Counters shared by every client of one generator process. */
export class LoadStats {
  measuring = false;
  /** Requests completed while measuring. */
  completed = 0;
  /** Sockets that failed or closed during the run. */
  connectionErrors = 0;
  constructor(readonly histogram: LatencyHistogram) {}
}

/** One socket to one node, with the FIFO of request parts awaiting replies on it. */
class NodeSocket {
  readonly counter = new ReplyCounter();
  /** Per in-flight part: the owning request's slot and the replies it still expects. */
  private readonly slots: Int32Array;
  private readonly left: Int32Array;
  private head = 0;
  private size = 0;
  out: Buffer[] = [];
  dirty = false;

  constructor(
    readonly socket: net.Socket,
    capacity: number,
  ) {
    this.slots = new Int32Array(capacity);
    this.left = new Int32Array(capacity);
  }

  pushPart(slot: number, replies: number, bytes: Buffer): void {
    const cap = this.slots.length;
    const at = (this.head + this.size) % cap;
    this.slots[at] = slot;
    this.left[at] = replies;
    this.size++;
    this.out.push(bytes);
  }

  /** One reply arrived: the slot whose part it finished, or -1 when the part needs more. */
  reply(): number {
    if (this.size === 0) return -1;
    const h = this.head;
    const left = this.left[h]! - 1;
    if (left > 0) {
      this.left[h] = left;
      return -1;
    }
    this.head = h + 1 === this.slots.length ? 0 : h + 1;
    this.size--;
    return this.slots[h]!;
  }

  flush(): void {
    const out = this.out;
    this.dirty = false;
    if (out.length === 0) return;
    this.socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
    this.out = [];
  }
}

export class LoadClient {
  private readonly nodes: NodeSocket[] = [];
  private readonly startedAt: Float64Array;
  private readonly partsLeft: Int32Array;
  private readonly free: number[] = [];
  /** Requests that may be outstanding at once. */
  private readonly capacity: number;
  private cursor: number;
  outstanding = 0;
  /** Closed loop: refill as replies arrive. Open loop: only `issue` by a pacer sends. */
  running = false;
  private failed = false;

  constructor(
    private readonly endpoints: readonly Endpoint[],
    private readonly ring: readonly PreparedRequest[],
    ringStart: number,
    readonly pipeline: number,
    private readonly stats: LoadStats,
    private readonly closedLoop: boolean,
  ) {
    this.cursor = ringStart % ring.length;
    // Open loop may queue more than one request on a connection when the schedule says so.
    this.capacity = closedLoop ? pipeline : Math.max(pipeline, OPEN_LOOP_WINDOW);
    this.startedAt = new Float64Array(this.capacity);
    this.partsLeft = new Int32Array(this.capacity);
    for (let i = this.capacity - 1; i >= 0; i--) this.free.push(i);
  }

  /** Opens one socket per endpoint. */
  async connect(timeoutMs: number): Promise<void> {
    await Promise.all(this.endpoints.map((endpoint, index) => this.open(endpoint, index, timeoutMs)));
  }

  private open(endpoint: Endpoint, index: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      // `onread` hands each read to us in one reused buffer, skipping the stream machinery: replies
      // are only counted, so nothing needs to outlive the callback.
      let node: NodeSocket | null = null;
      const socket = net.connect({
        host: endpoint.host,
        port: endpoint.port,
        onread: {
          buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
          callback: (bytes: number, buffer: Uint8Array) => {
            if (node) this.onData(node, buffer.subarray(0, bytes));
            return true;
          },
        },
      });
      node = new NodeSocket(socket, this.capacity + 1);
      this.nodes[index] = node;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${endpoint.host}:${endpoint.port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve();
      });
      socket.on('error', (err) => {
        clearTimeout(timer);
        this.fail();
        reject(err);
      });
      socket.on('close', () => this.fail());
    });
  }

  private fail(): void {
    if (this.failed) return;
    this.failed = true;
    if (this.running) this.stats.connectionErrors++;
    this.running = false;
  }

  /** Error replies received so far on every socket. */
  get errors(): number {
    let n = 0;
    for (const node of this.nodes) n += node.counter.errors;
    return n;
  }

  private onData(node: NodeSocket, chunk: Uint8Array): void {
    const replies = node.counter.feed(chunk);
    if (replies === 0) return;
    const now = performance.now();
    const stats = this.stats;
    for (let r = 0; r < replies; r++) {
      const slot = node.reply();
      if (slot < 0) continue;
      const left = this.partsLeft[slot]! - 1;
      this.partsLeft[slot] = left;
      if (left > 0) continue;
      this.outstanding--;
      this.free.push(slot);
      if (stats.measuring) {
        stats.completed++;
        stats.histogram.recordMs(now - this.startedAt[slot]!);
      }
    }
    if (this.closedLoop && this.running && this.outstanding === 0) this.fill(now);
  }

  /**
   * Closed loop: sends the next batch of `pipeline` requests in one write per node, once the
   * previous batch has been answered completely — as an application sending pipelines does, and
   * as redis-benchmark -P does.
   */
  fill(now: number): void {
    while (this.outstanding < this.pipeline) this.issue(now);
    this.flush();
  }

  /** Queues the next request of the ring (the caller flushes); false when the window is full. */
  issue(now: number): boolean {
    if (this.failed || this.outstanding >= this.capacity) return false;
    const request = this.ring[this.cursor]!;
    this.cursor = this.cursor + 1 === this.ring.length ? 0 : this.cursor + 1;
    const slot = this.free.pop()!;
    this.startedAt[slot] = now;
    const parts = request.parts;
    this.partsLeft[slot] = parts.length;
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p]!;
      const node = this.nodes[part.node]!;
      node.pushPart(slot, part.replies, part.bytes);
      node.dirty = true;
    }
    this.outstanding++;
    return true;
  }

  flush(): void {
    for (const node of this.nodes) if (node.dirty) node.flush();
  }

  close(): void {
    this.running = false;
    for (const node of this.nodes) node?.socket.destroy();
  }
}
