// Finds the server binary (redis-server, valkey-server or an explicit path) before anything is
// spawned, so a missing install ends in one actionable line instead of an ENOENT stack trace.

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** The server binary is not installed; `message` is the one-line way to fix that. */
export class ServerBinaryMissingError extends Error {
  override readonly name = 'ServerBinaryMissingError';
  constructor(
    readonly binary: string,
    /** Shell command that installs it, when we know one (`apt-get install -y redis-server`). */
    readonly installCommand: string | null,
  ) {
    super(
      installCommand
        ? `${binary} is missing; install it with: ${installCommand}`
        : `${binary} is missing or not executable; pass the path of redis-server or valkey-server`,
    );
  }
}

/**
 * Debian package names for the binaries this Debian (12) can install. Valkey has no package there, so
 * a missing valkey-server gets the "pass the path" advice rather than an install command that fails.
 */
const DEBIAN_PACKAGES: Record<string, string> = {
  'redis-server': 'redis-server',
};

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of `name` (a bare command looked up on PATH, or a path), or null if not runnable. */
export function findExecutable(name: string, pathEnv = process.env.PATH ?? ''): string | null {
  if (name.includes('/')) {
    const path = isAbsolute(name) ? name : resolve(name);
    return isExecutableFile(path) ? path : null;
  }
  for (const dir of pathEnv.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/** Resolves the server binary or throws ServerBinaryMissingError with the install command. */
export function resolveServerBinary(name: string): string {
  const found = findExecutable(name);
  if (found) return found;
  const pkg = DEBIAN_PACKAGES[name];
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  throw new ServerBinaryMissingError(name, pkg ? `${sudo}apt-get install -y ${pkg}` : null);
}
