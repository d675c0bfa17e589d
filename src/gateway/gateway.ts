// The RESP gateway: accepts client connections (TCP, Unix socket), owns the topology, the backend
// pool, the command table and the router, and keeps the registry of client sessions.

import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { AdminClient, replyText } from '../backend/admin-client.js';
import type { BackendConnectOptions } from '../backend/connect-options.js';
import { NodePool } from '../backend/node-pool.js';
import { CommandTable } from '../commands/command-table.js';
import { ConfigError } from '../config/config-error.js';
import { CommandStatsRegistry } from '../observability/command-stats.js';
import type { Logger } from '../observability/logger.js';
import { silentLogger } from '../observability/logger.js';
import { encodeError, OK_REPLY } from '../protocol/resp-encoder.js';
import { DEFAULT_LIMITS, type RespLimits } from '../protocol/resp-scanner.js';
import { SLOT_COUNT } from '../topology/slot-hash.js';
import type { NodeAddress, SlotMap } from '../topology/slot-map.js';
import { Topology } from '../topology/topology.js';
import type { TopologySource } from '../topology/topology-source.js';
import { ClientSession } from './client-session.js';
import { GatewayStats } from './gateway-stats.js';
import { type ReadFrom, Router } from './router.js';
import type { Subscriptions } from './subscriptions.js';

export interface GatewayUser {
  name: string;
  password: string;
  /** Only commands the backend flags read-only are allowed. */
  readOnly?: boolean;
}

export interface GatewayOptions {
  host: string;
  port: number;
  unixSocket?: string;
  backend: BackendConnectOptions & { connectionsPerNode: number; healthCheckMs?: number };
  readFrom: ReadFrom;
  maxRetries: number;
  retryDelayMs: number;
  retryTimeoutMs: number;
  topologyRefreshMs: number;
  /** Close client connections idle this long (not subscribed or blocked ones); 0 keeps them. */
  idleTimeoutMs?: number;
  maxClients: number;
  maxRequestBytes: number;
  clientOutputBufferBytes: number;
  /** requirepass-style password for the default user. */
  password?: string;
  users?: GatewayUser[];
  /** TLS for clients: on `port` itself, or on a separate `tls.port` next to the plain listener. */
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer; port?: number };
  logger?: Logger;
}

/** How long a connection refused at maxClients may take to close its side before it is cut off. */
const REFUSED_LINGER_MS = 1000;

export class Gateway {
  readonly id = randomBytes(20).toString('hex');
  readonly stats = new GatewayStats();
  readonly logger: Logger;
  readonly topology: Topology;
  readonly pool: NodePool;
  /** What one client request may hold; one object shared by every session's parser. */
  readonly requestLimits: RespLimits;
  router!: Router;
  commands!: CommandTable;
  serverVersion = '7.0.0';
  private readonly server: net.Server;
  private unixServer: net.Server | null = null;
  private tlsServer: tls.Server | null = null;
  /** Port of the separate TLS listener, when one is configured. */
  tlsPort: number | null = null;
  private readonly clients = new Set<ClientSession>();
  /** Sessions with pub/sub subscriptions, told about topology changes. */
  private readonly subscribers = new Set<Subscriptions>();
  private nextClientId = 1;
  private anyIndex = 0;
  /** Calls and latency per command, read by the metrics module at scrape time. */
  readonly commandStats = new CommandStatsRegistry();

  constructor(
    source: TopologySource,
    readonly options: GatewayOptions,
  ) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'gateway' });
    this.requestLimits = {
      ...DEFAULT_LIMITS,
      maxBulkLength: Math.min(DEFAULT_LIMITS.maxBulkLength, options.maxRequestBytes),
    };
    this.topology = new Topology(source, {
      refreshIntervalMs: options.topologyRefreshMs,
      logger: options.logger,
    });
    this.pool = new NodePool({
      ...options.backend,
      logger: options.logger,
      onConnectionError: () => this.topology.requestRefresh('connection error'),
    });
    this.topology.on('change', (map) => {
      this.pool.retain(new Set(map.allNodes().map((n) => n.key)));
      for (const s of this.subscribers) s.topologyChanged(map);
    });
    const t = options.tls;
    const tlsOptions: tls.TlsOptions | null = t
      ? {
          cert: t.cert,
          key: t.key,
          ...(t.ca ? { ca: t.ca, requestCert: true, rejectUnauthorized: true } : {}),
        }
      : null;
    // Without a separate TLS port the main listener itself speaks TLS.
    this.server =
      tlsOptions && t?.port === undefined
        ? tls.createServer(tlsOptions, (socket) => this.accept(socket))
        : net.createServer((socket) => this.accept(socket));
    if (tlsOptions && t?.port !== undefined)
      this.tlsServer = tls.createServer(tlsOptions, (socket) => this.accept(socket));
  }

  /** The bound RESP port (once started), e.g. when 0 was asked for. */
  get port(): number {
    const address = this.server.address();
    return address && typeof address === 'object' ? address.port : this.options.port;
  }

  get authRequired(): boolean {
    return Boolean(this.options.password) || (this.options.users?.length ?? 0) > 0;
  }

  /** Loads topology and commands, then listens. Resolves with the bound TCP port. */
  async start(): Promise<number> {
    try {
      return await this.open(await this.topology.start());
    } catch (err) {
      // Whatever failed (a node refusing COMMAND, a port or socket path in use), leave nothing behind:
      // no refresh timer, no backend connection, no half-open listener.
      await this.close();
      throw err;
    }
  }

  private async open(map: SlotMap): Promise<number> {
    const first = map.primaries()[0]!;
    const admin = await AdminClient.connect({ host: first.host, port: first.port, ...this.options.backend });
    try {
      this.commands = await CommandTable.load(admin);
      const info = replyText(await admin.call('INFO', 'server'));
      this.serverVersion = /(?:valkey|redis)_version:([^\r\n]+)/.exec(info)?.[1] ?? this.serverVersion;
    } finally {
      admin.close();
    }
    // Without WAITAOF (before Redis 7.2) every durable write would be refused: say so at start instead.
    if (this.options.backend.durability?.aof && !this.commands.get('waitaof')) {
      throw new ConfigError(
        `durability.waitAof needs WAITAOF (Redis 7.2 or later, or Valkey), which ${first.key} (version ${this.serverVersion}) does not have; turn durability.waitAof off to use WAIT`,
      );
    }
    this.router = new Router(
      this.topology,
      this.pool,
      this.commands,
      {
        readFrom: this.options.readFrom,
        maxRetries: this.options.maxRetries,
        retryDelayMs: this.options.retryDelayMs,
        retryTimeoutMs: this.options.retryTimeoutMs,
        maxRedirects: 16,
      },
      this.stats,
    );
    await listen(this.server, this.options.port, this.options.host);
    if (this.tlsServer) {
      await listen(this.tlsServer, this.options.tls!.port, this.options.host);
      this.tlsPort = (this.tlsServer.address() as net.AddressInfo).port;
    }
    if (this.options.unixSocket) {
      this.unixServer = net.createServer((socket) => this.accept(socket));
      await listen(this.unixServer, this.options.unixSocket);
    }
    const port = (this.server.address() as net.AddressInfo).port;
    this.logger.info(
      { host: this.options.host, port, shards: map.shards.length, commands: [...this.commands.all()].length },
      'gateway listening',
    );
    return port;
  }

  private accept(socket: net.Socket): void {
    if (this.clients.size >= this.options.maxClients) {
      this.stats.clientsRejected++;
      // Read (and drop) until the client's FIN, or the half-closed socket would never close: each
      // refused connection would keep a descriptor, and close() would wait for it forever.
      socket.on('error', () => socket.destroy());
      socket.setTimeout(REFUSED_LINGER_MS, () => socket.destroy());
      socket.end(encodeError('ERR max number of clients reached'));
      socket.resume();
      return;
    }
    const session = new ClientSession(this, socket, this.nextClientId++);
    this.clients.add(session);
    this.stats.clientsConnected = this.clients.size;
    this.stats.clientsTotal++;
  }

  sessionClosed(session: ClientSession): void {
    this.clients.delete(session);
    this.stats.clientsConnected = this.clients.size;
  }

  subscriptionsStarted(s: Subscriptions): void {
    this.subscribers.add(s);
  }

  subscriptionsEnded(s: Subscriptions): void {
    this.subscribers.delete(s);
  }

  sessions(): ClientSession[] {
    return [...this.clients];
  }

  /** A primary for keyless commands, rotating so they spread over the cluster. */
  anyPrimary(): NodeAddress | null {
    const primaries = this.topology.map.shards;
    if (primaries.length === 0) return null;
    this.anyIndex = (this.anyIndex + 1) % primaries.length;
    return primaries[this.anyIndex]!.primary;
  }

  /** AUTH [user] password against the gateway's own users. */
  authenticate(session: ClientSession, args: readonly Buffer[]): Buffer {
    if (!this.authRequired) {
      // Redis without a password: the default user is `nopass`, any other user does not exist.
      if (args.length !== 3) {
        return encodeError(
          'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
        );
      }
      if (args[1]!.toString('utf8') !== 'default') {
        return encodeError('WRONGPASS invalid username-password pair or user is disabled.');
      }
      session.authenticated = true;
      session.user = 'default';
      return OK_REPLY;
    }
    const user = args.length === 3 ? args[1]!.toString('utf8') : 'default';
    const password = args[args.length - 1]!.toString('utf8');
    const named = (this.options.users ?? []).find((u) => u.name === user && u.password === password);
    const ok =
      named !== undefined ||
      (user === 'default' && this.options.password !== undefined && password === this.options.password);
    if (!ok) return encodeError('WRONGPASS invalid username-password pair or user is disabled.');
    session.authenticated = true;
    session.user = user;
    session.readOnlyUser = named?.readOnly ?? false;
    return OK_REPLY;
  }

  clusterInfoText(): string {
    const map = this.topology.map;
    const covered = map.coveredSlots();
    return [
      `cluster_state:${covered === SLOT_COUNT ? 'ok' : 'fail'}`,
      `cluster_slots_assigned:${covered}`,
      `cluster_slots_ok:${covered}`,
      'cluster_slots_pfail:0',
      'cluster_slots_fail:0',
      `cluster_known_nodes:${map.allNodes().length}`,
      `cluster_size:${map.shards.length}`,
      '',
    ].join('\r\n');
  }

  /**
   * Graceful shutdown (SIGTERM): stop accepting, stop reading, let every command already received
   * finish and its reply be written, then close. Clients still busy after `timeoutMs` are cut off.
   */
  async drain(timeoutMs = 10_000): Promise<void> {
    this.server.close();
    this.unixServer?.close();
    this.tlsServer?.close();
    for (const c of this.clients) c.beginDrain();
    const until = Date.now() + timeoutMs;
    while (this.clients.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await this.close();
  }

  /** Stops accepting, closes clients and backend connections. */
  async close(): Promise<void> {
    this.topology.close();
    const closing = [new Promise<void>((r) => this.server.close(() => r()))];
    if (this.unixServer) closing.push(new Promise<void>((r) => this.unixServer!.close(() => r())));
    if (this.tlsServer) closing.push(new Promise<void>((r) => this.tlsServer!.close(() => r())));
    for (const c of this.clients) c.socket.destroy();
    this.pool.close();
    await Promise.all(closing);
  }
}

/** Starts listening; rejects (EADDRINUSE, EACCES, ...) instead of leaving the caller waiting. */
async function listen(
  server: net.Server,
  portOrPath: number | string | undefined,
  host?: string,
): Promise<void> {
  if (typeof portOrPath !== 'string') return listenOnce(server, () => server.listen(portOrPath ?? 0, host));
  try {
    await listenOnce(server, () => server.listen(portOrPath));
  } catch (err) {
    // A socket file left by a process that died without removing it: nobody answers on it, so it is
    // removed and bound again (Redis removes it unconditionally; a live listener is left alone here).
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || (await socketAnswers(portOrPath))) throw err;
    unlinkSync(portOrPath);
    await listenOnce(server, () => server.listen(portOrPath));
  }
}

function listenOnce(server: net.Server, start: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    start();
  });
}

/** Whether something accepts connections on the Unix socket at `path`. */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const probe = net.connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code !== 'ECONNREFUSED' && err.code !== 'ENOENT'),
    );
  });
}
