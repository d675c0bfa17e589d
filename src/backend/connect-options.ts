// How the gateway connects to backend nodes: credentials, TLS and timeouts shared by the data-path
// connections and the control-plane clients.

import type tls from 'node:tls';

export interface BackendConnectOptions {
  username?: string;
  password?: string;
  /** TLS options for backend sockets, or undefined for plain TCP. */
  tls?: tls.ConnectionOptions;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** Durable-write mode: writes are acknowledged only after WAIT (or WAITAOF) confirms them. */
  durability?: DurabilityOptions | null;
}

export interface DurabilityOptions {
  /** Replicas that must confirm a write. */
  replicas: number;
  /** How long WAIT may take; after that the client gets NOREPLICAS. */
  timeoutMs: number;
  /** Use WAITAOF 0 <replicas> <timeout> (Redis 7.2+, Valkey) so replicas have also fsynced. */
  aof: boolean;
}
