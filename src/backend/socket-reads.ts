// Reads from plain TCP and Unix sockets into one shared buffer (Node's `onread` mode) instead of
// through the Readable stream: each read then costs one small copy out of that buffer, not a fresh
// 64 KB allocation, a Buffer object and a pass through the stream machinery. At pipeline depth 1
// there is one read per request, so this is on the hot path. A shared backend connection receiving
// large reads reads into slabs of its own instead (onreadOption). Counterpart of write-batcher.ts.

import diagnostics_channel from 'node:diagnostics_channel';
import net from 'node:net';
import tls from 'node:tls';

/**
 * Publishes `{ socket, chunk }` for every chunk read in `onread` mode, which emits no 'data' events:
 * for tests and debugging tools that watch what the gateway receives. Free while nobody subscribes.
 */
export const readChannel = diagnostics_channel.channel('slotway:socket-read');

/** Node's private symbols behind `onread`, found once on a throwaway socket; null if Node changes. */
const onreadSymbols = findOnreadSymbols();

/**
 * Every read lands here first; it is reused by the next read, so callers get a copy (small ones come
 * from Node's pre-allocated pool).
 */
const shared = Buffer.allocUnsafe(64 * 1024);

function findOnreadSymbols(): { buffer: symbol; callback: symbol } | null {
  // The constructor takes `onread` like net.connect does, though @types/node does not list it.
  const options = { onread: { buffer: Buffer.alloc(1), callback: () => true } };
  const probe = new net.Socket(options as net.SocketConstructorOpts);
  let buffer: symbol | null = null;
  let callback: symbol | null = null;
  for (const sym of Object.getOwnPropertySymbols(probe)) {
    if (sym.description === 'kBuffer') buffer = sym;
    else if (sym.description === 'kBufferCb') callback = sym;
  }
  probe.destroy();
  return buffer && callback ? { buffer, callback } : null;
}

interface StreamHandle {
  useUserBuffer?: (buffer: Buffer) => void;
}

/** What readChunks hands each chunk to: an object, so one shared read callback serves every socket. */
export interface ChunkSink {
  onChunk(chunk: Buffer): void;
}

const SINK = Symbol('slotway.chunkSink');
type SinkSocket = net.Socket & { [SINK]: ChunkSink };

/**
 * Calls `sink.onChunk` with every chunk read from `socket`, in order. Chunks are the caller's to keep.
 * `pause()`/`resume()` work as usual; 'end', 'close' and 'error' are emitted as usual. The sink is
 * kept on the socket (`sinkOf` finds it again, e.g. for the socket's other listeners) and one
 * callback serves every socket, so a connection costs no closure here: a gateway may hold tens of
 * thousands of mostly idle client sockets.
 */
export function readChunks(socket: net.Socket, sink: ChunkSink): void {
  (socket as SinkSocket)[SINK] = sink;
  const handle = (socket as unknown as { _handle: StreamHandle | null })._handle;
  // TLS sockets decrypt in their own layer, and a socket still connecting has no handle yet: both
  // use the stream. (A connecting socket can be given `onread` in net.connect instead.)
  if (
    onreadSymbols === null ||
    socket instanceof tls.TLSSocket ||
    typeof handle?.useUserBuffer !== 'function'
  ) {
    socket.on('data', dataToSink);
    return;
  }
  const target = socket as unknown as Record<symbol, unknown>;
  target[onreadSymbols.buffer] = shared;
  target[onreadSymbols.callback] = readToSink;
  handle.useUserBuffer(shared);
}

/** The sink readChunks was given for `socket`. */
export function sinkOf(socket: net.Socket): ChunkSink {
  return (socket as SinkSocket)[SINK];
}

/** readChunks' 'data' listener, for sockets read through the stream. */
function dataToSink(this: SinkSocket, chunk: Buffer): void {
  this[SINK].onChunk(chunk);
}

/** readChunks' read callback: Node calls it as a method of the socket with the count of bytes read. */
function readToSink(this: SinkSocket, nread: number): boolean {
  const chunk = copyOfRead(nread);
  if (readChannel.hasSubscribers) readChannel.publish({ socket: this, chunk });
  this[SINK].onChunk(chunk);
  return true;
}

/** Reads at least this long are not worth copying: Node's pool only serves allocations below it. */
const LARGE_READ = Buffer.poolSize >>> 1;
/** A connection reading large chunks reads straight into slabs of this size, handed out in order. */
const SLAB_SIZE = 256 * 1024;
/** A new slab is started when less than this is left in the current one, so reads stay large. */
const MIN_ROOM = 64 * 1024;
/** Consecutive small reads after which a connection goes back to the shared buffer and drops its slab. */
const SMALL_READS_TO_LEAVE = 16;

/**
 * `onread` options for net.connect: the same shared buffer and copy-out as readChunks while reads
 * are small. Once a read is large (big replies or a deep pipeline) the connection reads straight into
 * a slab of its own instead, each chunk a view of the slab right after the previous one: no copy, one
 * allocation per slab rather than one per read, and a frame split across two reads of one slab is
 * contiguous in memory, so ChunkBuffer joins it without copying. Meant for the few, long-lived shared
 * backend connections; a connection per client (`slabs: false`) would hold a slab per client.
 */
export function onreadOption(
  onChunk: (chunk: Buffer) => void,
  { slabs = true }: { slabs?: boolean } = {},
): net.OnReadOpts {
  if (!slabs) return { buffer: shared, callback: onreadCallback(onChunk) };
  const reads = new AdaptiveReads(onChunk);
  return {
    buffer: () => reads.nextBuffer(),
    callback(this: net.Socket, nread: number, buf: Uint8Array) {
      return reads.onRead(this, nread, buf);
    },
  };
}

class AdaptiveReads {
  private slab: Buffer | null = null;
  private offset = 0;
  private smallReads = SMALL_READS_TO_LEAVE;

  constructor(private readonly onChunk: (chunk: Buffer) => void) {}

  /** Where the next read lands; Node asks after every read. */
  nextBuffer(): Buffer {
    if (this.smallReads >= SMALL_READS_TO_LEAVE) {
      this.slab = null;
      return shared;
    }
    if (this.slab === null || this.slab.length - this.offset < MIN_ROOM) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
      this.offset = 0;
    }
    return this.slab.subarray(this.offset);
  }

  onRead(socket: net.Socket, nread: number, buf: Uint8Array): boolean {
    let chunk: Buffer;
    if (buf === shared) chunk = copyOfRead(nread);
    else {
      chunk = (buf as Buffer).subarray(0, nread);
      this.offset += nread;
    }
    this.smallReads = nread >= LARGE_READ ? 0 : this.smallReads + 1;
    if (readChannel.hasSubscribers) readChannel.publish({ socket, chunk });
    this.onChunk(chunk);
    return true;
  }
}

/** Node calls it as a method of the socket with the count of bytes read into `shared`; true keeps reading. */
function onreadCallback(onChunk: (chunk: Buffer) => void) {
  return function (this: net.Socket, nread: number): boolean {
    const chunk = copyOfRead(nread);
    if (readChannel.hasSubscribers) readChannel.publish({ socket: this, chunk });
    onChunk(chunk);
    return true;
  };
}

/** The first `nread` bytes of the shared read buffer, copied out (small ones from Node's pool). */
function copyOfRead(nread: number): Buffer {
  const chunk = Buffer.allocUnsafe(nread);
  shared.copy(chunk, 0, 0, nread);
  return chunk;
}
