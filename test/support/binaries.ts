// Which server binaries this machine has, so tests for optional ones (valkey-server) can skip
// with a visible reason instead of failing.

import { execFileSync } from 'node:child_process';
import { findExecutable } from '../../src/ops/local-cluster-binary.js';

/** True when `name` is an executable on PATH (or an executable path). */
export function hasBinary(name: string): boolean {
  return findExecutable(name) !== null;
}

/**
 * For `it.skipIf(missingBinary('valkey-server'))`: true when absent, and says so on the console
 * once, since vitest's own skip marker does not tell why.
 */
export function missingBinary(name: string): boolean {
  if (hasBinary(name)) return false;
  console.warn(
    `[skip] ${name} is not on PATH; tests that need it are skipped (install it, or put its directory on PATH, to run them)`,
  );
  return true;
}

/** `major.minor.patch` of a server binary (from `--version`), or null when it is not installed. */
export function serverVersion(name: string): [number, number, number] | null {
  const path = findExecutable(name);
  if (!path) return null;
  const text = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const match = /v=(\d+)\.(\d+)\.(\d+)/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
}

/**
 * The first of redis-server and valkey-server that is at least `min` (valkey-server counts as at least
 * 7.2, the Redis version it forked from), for `describe.skipIf(!server)`. When neither is, says so on
 * the console once with `why`, since vitest's own skip marker does not tell why.
 */
export function serverAtLeast(min: [number, number], why: string): string | null {
  const redis = serverVersion('redis-server');
  if (redis && (redis[0] > min[0] || (redis[0] === min[0] && redis[1] >= min[1]))) return 'redis-server';
  if (hasBinary('valkey-server') && (min[0] < 7 || (min[0] === 7 && min[1] <= 2))) return 'valkey-server';
  console.warn(
    `[skip] ${why}: needs redis-server ${min.join('.')} or later, or valkey-server; this machine has ${redis ? `redis-server ${redis.join('.')}` : 'no redis-server'} and ${hasBinary('valkey-server') ? 'an older valkey-server' : 'no valkey-server'}`,
  );
  return null;
}
