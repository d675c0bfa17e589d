// SIGTERM to a `slotway start` process under load: it stops accepting, finishes what it received and
// closes. Every command a client got an acknowledgement for must be applied (checked straight on the
// cluster), and every reply a client received must be complete: no connection ends mid-frame.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdminClient } from '../../src/backend/admin-client.js';
import { ReplyReader } from '../../src/protocol/reply-reader.js';
import { encodeCommand } from '../../src/protocol/resp-encoder.js';
import { decodeFrame } from '../../src/protocol/resp-scanner.js';
import type { RespValue } from '../../src/protocol/resp-value.js';
import { slotOf } from '../../src/topology/slot-hash.js';
import { useCluster } from '../support/cluster.js';
import { pollUntil, readDirect } from '../support/cluster-state.js';
import { plain } from '../support/resp-plain.js';

const CLIENTS = 8;
/** Commands each client keeps in flight. */
const DEPTH = 8;
const LOAD_BEFORE_SIGTERM_MS = 1500;
const ROOT = join(import.meta.dirname, '..', '..');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

type Sent = { kind: 'incr' } | { kind: 'set'; key: string; value: string };

/**
 * A pipelining client on a raw socket: keeps DEPTH commands in flight (an INCR of its own counter or
 * a SET of a unique key), records what was acknowledged, and checks that the stream ends on a frame
 * boundary.
 */
class LoadClient {
  readonly reader = new ReplyReader();
  readonly inFlight: Sent[] = [];
  readonly acknowledgedSets = new Map<string, string>();
  readonly incrReplies: number[] = [];
  readonly problems: string[] = [];
  sentIncrs = 0;
  frames = 0;
  closed = false;
  private seq = 0;

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
    });
  }

  get counter(): string {
    return `sig:ctr:${this.id}`;
  }

  start(): void {
    for (let i = 0; i < DEPTH; i++) this.sendNext();
  }

  private sendNext(): void {
    if (this.closed || this.socket.destroyed || !this.socket.writable) return;
    const n = this.seq++;
    if (n % 2 === 0) {
      this.inFlight.push({ kind: 'incr' });
      this.sentIncrs++;
      this.socket.write(encodeCommand(['INCR', this.counter]));
    } else {
      const key = `sig:k:${this.id}:${n}`;
      const value = `v${n}`;
      this.inFlight.push({ kind: 'set', key, value });
      this.socket.write(encodeCommand(['SET', key, value]));
    }
  }

  private onData(chunk: Buffer): void {
    this.reader.push(chunk);
    try {
      for (let f = this.reader.next(); f !== null; f = this.reader.next()) {
        this.frames++;
        this.onReply(decodeFrame(f));
        this.sendNext();
      }
    } catch (err) {
      this.problems.push(`unparsable reply: ${(err as Error).message}`);
    }
  }

  private onReply(reply: RespValue): void {
    const sent = this.inFlight.shift();
    if (!sent) {
      this.problems.push(`reply without a command: ${JSON.stringify(reply)}`);
      return;
    }
    if (sent.kind === 'incr') {
      if (reply.type === 'integer') this.incrReplies.push(Number(reply.value));
      else this.problems.push(`INCR: ${JSON.stringify(reply)}`);
    } else if (reply.type === 'simple' && reply.value === 'OK') {
      this.acknowledgedSets.set(sent.key, sent.value);
    } else {
      this.problems.push(`SET ${sent.key}: ${JSON.stringify(reply)}`);
    }
  }
}

interface Exit {
  code: number | null;
  signal: string | null;
  at: number;
}

/** `slotway start` in a child process, in front of `seeds`, answering PING once start() resolves. */
class SlotwayProcess {
  output = '';
  readonly exited: Promise<Exit>;
  private running = true;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {
    child.stdout!.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.running = false;
        resolve({ code, signal, at: Date.now() });
      });
    });
  }

  static async start(seeds: readonly string[]): Promise<SlotwayProcess> {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'slotway-sigterm-'));
    const configFile = join(dir, 'slotway.json');
    await writeFile(
      configFile,
      JSON.stringify({
        backend: { mode: 'cluster', nodes: seeds },
        listen: { host: '127.0.0.1', port },
        admin: { host: '127.0.0.1', port: 0 },
        http: { enabled: false },
        workers: 1,
        log: { level: 'warn', format: 'json' },
      }),
    );
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('SLOTWAY_') && !k.startsWith('DBX_')),
    );
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'slotway.js'), 'start', '--config', configFile],
      {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const slotway = new SlotwayProcess(child, port, dir);
    try {
      await pollUntil(
        'slotway start to answer PING',
        async () => {
          if (!slotway.running) throw new Error(`slotway exited early:\n${slotway.output}`);
          const probe = await AdminClient.connect({ host: '127.0.0.1', port, connectTimeoutMs: 500 });
          try {
            return (await probe.call('PING')).type === 'simple';
          } finally {
            probe.close();
          }
        },
        60_000,
        100,
      );
    } catch (err) {
      await slotway.cleanup();
      throw err;
    }
    return slotway;
  }

  /** Sends SIGTERM and waits (bounded) for the exit. */
  async terminate(): Promise<Exit> {
    this.child.kill('SIGTERM');
    return Promise.race([
      this.exited,
      sleep(30_000).then(() => {
        throw new Error(`slotway did not exit within 30 s of SIGTERM:\n${this.output}`);
      }),
    ]);
  }

  /** Kills the process if it still runs and removes its directory. */
  async cleanup(): Promise<void> {
    if (this.running) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

describe('SIGTERM under load', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });

  it('applies every acknowledged command and never cuts a reply in half', { timeout: 120_000 }, async () => {
    const slotway = await SlotwayProcess.start(cluster().seeds);
    const port = slotway.port;
    const clients: LoadClient[] = [];
    try {
      for (let i = 0; i < CLIENTS; i++) {
        const socket = net.connect(port, '127.0.0.1');
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('error', reject);
        });
        clients.push(new LoadClient(i, socket));
      }
      for (const c of clients) c.start();
      await sleep(LOAD_BEFORE_SIGTERM_MS);
      const framesAtSigterm = clients.reduce((n, c) => n + c.frames, 0);
      const sigtermAt = Date.now();
      const exit = await slotway.terminate();
      await pollUntil('every client connection to close', async () => clients.every((c) => c.closed), 10_000);

      // The cluster itself is the judge of what was applied.
      const counters = await readDirect(
        cluster(),
        clients.map((c) => c.counter),
      );
      const acknowledged = new Map<string, string>();
      for (const c of clients) for (const [k, v] of c.acknowledgedSets) acknowledged.set(k, v);
      const stored = await readDirect(cluster(), [...acknowledged.keys()]);
      const missing = [...acknowledged].filter(([k, v]) => stored.get(k) !== v).map(([k]) => k);
      const counterProblems: string[] = [];
      let unacknowledgedIncrs = 0;
      for (const c of clients) {
        const acked = c.incrReplies.length;
        // Replies to one client's INCRs of its own counter are exactly 1, 2, 3, ... in order.
        if (c.incrReplies.some((n, i) => n !== i + 1))
          counterProblems.push(`${c.counter}: replies out of sequence`);
        const value = Number(counters.get(c.counter) ?? 0);
        const unacked = c.sentIncrs - acked;
        unacknowledgedIncrs += unacked;
        // Every acknowledged INCR is applied; unacknowledged ones may or may not have been.
        if (value < acked || value > acked + unacked)
          counterProblems.push(
            `${c.counter}: value ${value}, acknowledged ${acked}, unacknowledged ${unacked}`,
          );
      }
      const halfFrames = clients.filter((c) => c.reader.buffered > 0).map((c) => c.reader.buffered);
      const problems = clients.flatMap((c) => c.problems);
      console.log(
        '[sigterm-drain] measured',
        JSON.stringify({
          clients: CLIENTS,
          repliesBeforeSigterm: framesAtSigterm,
          repliesTotal: clients.reduce((n, c) => n + c.frames, 0),
          repliesAfterSigterm: clients.reduce((n, c) => n + c.frames, 0) - framesAtSigterm,
          sigtermToExitMs: exit.at - sigtermAt,
          exit: { code: exit.code, signal: exit.signal },
          acknowledgedSets: acknowledged.size,
          acknowledgedSetsMissing: missing.length,
          acknowledgedIncrs: clients.reduce((n, c) => n + c.incrReplies.length, 0),
          unacknowledgedIncrs,
          counterProblems,
          connectionsEndingMidFrame: halfFrames.length,
          replyProblems: problems.length,
          firstProblems: problems.slice(0, 3),
        }),
      );
      expect(problems).toEqual([]);
      expect(halfFrames).toEqual([]);
      expect(missing).toEqual([]);
      expect(counterProblems).toEqual([]);
      expect(acknowledged.size).toBeGreaterThan(100);
      expect(exit.code).toBe(0);
      // Drain finishes as soon as the replies are out, not at its 10 s cut-off.
      expect(exit.at - sigtermAt).toBeLessThan(5000);
    } finally {
      for (const c of clients) c.socket.destroy();
      await slotway.cleanup();
    }
  });

  it('stops accepting at once, and finishes a command still in flight before closing', {
    timeout: 120_000,
  }, async () => {
    const slotway = await SlotwayProcess.start(cluster().seeds);
    const key = 'sig:queue';
    const owner = cluster().nodes.find((n) =>
      n.slots.some(([a, b]) => slotOf(key) >= a && slotOf(key) <= b),
    )!;
    const waiter = net.connect(slotway.port, '127.0.0.1');
    const reader = new ReplyReader();
    const replies: RespValue[] = [];
    let waiterClosed = false;
    waiter.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      for (let f = reader.next(); f !== null; f = reader.next()) replies.push(decodeFrame(f));
    });
    waiter.on('error', () => {});
    waiter.on('close', () => {
      waiterClosed = true;
    });
    try {
      await new Promise<void>((resolve, reject) => {
        waiter.once('connect', resolve);
        waiter.once('error', reject);
      });
      // A command that stays in flight until the test lets it finish: BLPOP, bounded by its timeout.
      waiter.write(encodeCommand(['BLPOP', key, '20']));
      await sleep(300);
      const sigtermAt = Date.now();
      const exit = slotway.terminate();
      // The listener is closed: a new client is refused while the drain waits for the BLPOP.
      const refused = await pollUntil(
        'new connections to be refused',
        () =>
          new Promise<boolean>((resolve) => {
            const probe = net.connect(slotway.port, '127.0.0.1');
            probe.once('connect', () => {
              probe.destroy();
              resolve(false);
            });
            probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
          }),
        5000,
        20,
      );
      // Half a second later the gateway is still draining: waiting for the BLPOP, not cutting it off.
      let exitedEarly = false;
      void exit.then(() => {
        exitedEarly = true;
      });
      await sleep(500);
      expect(exitedEarly).toBe(false);
      expect(waiterClosed).toBe(false);
      // The in-flight command finishes: an element arrives (pushed straight on the cluster).
      const admin = await cluster().client(owner.port);
      const pushedAt = Date.now();
      try {
        await admin.call('RPUSH', key, 'job');
      } finally {
        admin.close();
      }
      const exited = await exit;
      await pollUntil('the client to see the close', async () => waiterClosed, 10_000);
      console.log(
        '[sigterm-drain] in flight',
        JSON.stringify({
          refusedAfterMs: refused - sigtermAt,
          inFlightFinishedAfterMs: pushedAt - sigtermAt,
          exitAfterMs: exited.at - sigtermAt,
          exit: { code: exited.code, signal: exited.signal },
          replies: replies.map((r) => plain(r)),
        }),
      );
      expect(replies).toEqual([
        {
          type: 'array',
          value: [
            { type: 'bulk', value: Buffer.from(key) },
            { type: 'bulk', value: Buffer.from('job') },
          ],
        },
      ]);
      expect(reader.buffered).toBe(0);
      expect(exited.code).toBe(0);
    } finally {
      waiter.destroy();
      await slotway.cleanup();
    }
  });
});
