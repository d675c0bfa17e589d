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
}
