// Rules that involve more than one setting, checked once every setting is valid on its own:
// a mode needs its servers, a TLS listener needs its certificate, two listeners cannot share a port.

import type { SettingProblem } from './config-error.js';
import { parseEndpoint } from './endpoint.js';
import type { SlotwayConfig } from './schema.js';
import { formatPath } from './sources.js';

export function checkSettingsAgree(config: SlotwayConfig): SettingProblem[] {
  return [
    ...checkBackendServers(config),
    ...checkTlsFiles(config),
    ...checkUnique(
      config.auth.users.map((user) => user.name),
      (index) => ['auth', 'users', index, 'name'],
      'user name',
    ),
    ...checkUnique(
      config.http.tokens.map((token) => token.token),
      (index) => ['http', 'tokens', index, 'token'],
      'token',
    ),
    ...checkPortsDistinct(config),
  ];
}

function checkBackendServers({ backend }: SlotwayConfig): SettingProblem[] {
  if (backend.mode === 'standalone') {
    if (backend.url !== undefined || backend.nodes.length > 0) return [];
    return [
      {
        path: ['backend', 'url'],
        value: undefined,
        message:
          'must be set when backend.mode is standalone (or give backend.nodes[0]), e.g. --standalone redis://localhost:6379',
      },
    ];
  }
  if (backend.nodes.length === 0) {
    return [
      {
        path: ['backend', 'nodes'],
        value: backend.nodes,
        message:
          'must list at least one seed node when backend.mode is cluster (set backend.nodes, SLOTWAY_BACKEND_NODES, DBX_CLUSTER_NODES or --cluster)',
      },
    ];
  }
  // A cluster has only database 0; a URL asking for another would silently get the wrong data.
  return backend.nodes.flatMap((node, index): SettingProblem[] => {
    const { db } = parseEndpoint(node);
    if (db === undefined || db === 0) return [];
    return [{ path: ['backend', 'nodes', index], value: node, message: 'a cluster has only database 0' }];
  });
}

function checkTlsFiles({ listen, backend }: SlotwayConfig): SettingProblem[] {
  const problems: SettingProblem[] = [];
  if (listen.tls.enabled) {
    for (const key of ['certFile', 'keyFile'] as const) {
      if (listen.tls[key] === undefined) {
        problems.push({
          path: ['listen', 'tls', key],
          value: undefined,
          message: 'must be set when listen.tls.enabled is true',
        });
      }
    }
  }
  // A client certificate without its key (or the reverse) cannot be used for mutual TLS.
  const { certFile, keyFile } = backend.tls;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    const missing = certFile === undefined ? 'certFile' : 'keyFile';
    const present = certFile === undefined ? 'keyFile' : 'certFile';
    problems.push({
      path: ['backend', 'tls', missing],
      value: undefined,
      message: `must be set together with backend.tls.${present}`,
    });
  }
  return problems;
}

function checkUnique(
  values: readonly string[],
  pathOf: (index: number) => PropertyKey[],
  what: string,
): SettingProblem[] {
  const firstIndex = new Map<string, number>();
  return values.flatMap((value, index): SettingProblem[] => {
    const first = firstIndex.get(value);
    if (first === undefined) {
      firstIndex.set(value, index);
      return [];
    }
    return [
      {
        path: pathOf(index),
        value,
        message: `duplicate ${what}; ${formatPath(pathOf(first))} has it already`,
      },
    ];
  });
}

interface Listener {
  readonly path: PropertyKey[];
  readonly host: string;
  readonly port: number;
}

const ANY_ADDRESS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '']);

function checkPortsDistinct({ listen, http, admin }: SlotwayConfig): SettingProblem[] {
  const listeners: Listener[] = [{ path: ['listen', 'port'], host: listen.host, port: listen.port }];
  if (listen.tls.enabled && listen.tls.port !== undefined) {
    listeners.push({ path: ['listen', 'tls', 'port'], host: listen.host, port: listen.tls.port });
  }
  if (http.enabled) listeners.push({ path: ['http', 'port'], host: http.host, port: http.port });
  listeners.push({ path: ['admin', 'port'], host: admin.host, port: admin.port });

  const problems: SettingProblem[] = [];
  listeners.forEach((listener, index) => {
    // Port 0 asks the OS for a free port, so several listeners may all say 0.
    if (listener.port === 0) return;
    const clash = listeners
      .slice(0, index)
      .find((earlier) => earlier.port === listener.port && sameInterface(earlier.host, listener.host));
    if (clash !== undefined) {
      problems.push({
        path: listener.path,
        value: listener.port,
        message: `port already used by ${formatPath(clash.path)}; each listener needs its own`,
      });
    }
  });
  return problems;
}

function sameInterface(a: string, b: string): boolean {
  return a === b || ANY_ADDRESS.has(a) || ANY_ADDRESS.has(b);
}
