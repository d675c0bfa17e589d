// Which server binaries this machine has, so tests for optional ones (valkey-server) can skip
// with a visible reason instead of failing.

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
