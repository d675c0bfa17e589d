// What the set-up scripts share: finding a program on PATH, and installing a Debian package as root
// with apt, with service start-up suppressed during the install. Plain Node, no dependencies.

import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const IS_ROOT = process.getuid?.() === 0;
// Debian's hook that invoke-rc.d consults; exit 101 means "do not start services now".
const POLICY_RC_D = '/usr/sbin/policy-rc.d';

/** Absolute path of an executable `name` on PATH, or null. */
export function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return null;
}

/** Runs a command to completion; true when it exited 0. */
export function run(command, args, { quiet = false } = {}) {
  const result = spawnSync(command, args, {
    stdio: quiet ? 'ignore' : 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

/** The one-line command a user runs to install `pkg` (sudo only when not root). */
export function installCommand(pkg, aptArgs = []) {
  return `${IS_ROOT ? '' : 'sudo '}apt-get install -y ${[...aptArgs, pkg].join(' ')}`;
}

/** True when this process may install packages: root with apt-get on PATH. */
export function canInstall() {
  return IS_ROOT && findOnPath('apt-get') !== null;
}

/**
 * `apt-get update` then `apt-get install -y pkg` with services kept from starting when the policy hook
 * can be placed; `afterInstall` runs in any case (e.g. to stop a service the package started anyway).
 */
export function aptInstall(pkg, { aptArgs = [], afterInstall = () => {} } = {}) {
  let addedPolicy = false;
  if (!existsSync(POLICY_RC_D)) {
    try {
      writeFileSync(POLICY_RC_D, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
      addedPolicy = true;
    } catch {
      // Read-only /usr: the caller's afterInstall deals with a started service.
    }
  }
  try {
    return run('apt-get', ['update', '-qq']) && run('apt-get', ['install', '-y', '-qq', ...aptArgs, pkg]);
  } finally {
    if (addedPolicy) unlinkSync(POLICY_RC_D);
    afterInstall();
  }
}

/**
 * Makes sure the optional `command` is installed: as root with apt it installs `pkg`; otherwise, or
 * if that fails, it prints one line saying what will be skipped and how to install it. Never throws,
 * so a missing optional tool never fails the set-up.
 */
export function ensureOptionalPackage({ command, pkg, aptArgs = [], skipped }) {
  const skipLine = `${command} is missing, so ${skipped}; install it with: ${installCommand(pkg, aptArgs)}`;
  try {
    if (findOnPath(command)) return;
    if (canInstall()) {
      process.stderr.write(`${command} is missing; installing the Debian package ${pkg}…\n`);
      if (aptInstall(pkg, { aptArgs }) && findOnPath(command)) return;
    }
    process.stderr.write(`${skipLine}\n`);
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
    process.stderr.write(`${skipLine} (${reason})\n`);
  }
}
