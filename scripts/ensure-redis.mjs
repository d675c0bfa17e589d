#!/usr/bin/env node
// Runs before `npm test` and `npm run dev`: makes sure redis-server is on PATH. As root with apt it
// installs Debian's package (and stops the system service the package starts on 6379); otherwise it
// prints the one-line install command. Plain Node, no dependencies, never a stack trace.

import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, join } from 'node:path';

const PACKAGE = 'redis-server';
const MISSING_LINE = `redis-server is missing; install it with: sudo apt-get install -y ${PACKAGE}`;
const SERVICE_PIDFILE = '/run/redis/redis-server.pid';
// Debian's hook that invoke-rc.d consults; exit 101 means "do not start services now".
const POLICY_RC_D = '/usr/sbin/policy-rc.d';

function findOnPath(name) {
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

function run(command, args, { quiet = false } = {}) {
  const result = spawnSync(command, args, {
    stdio: quiet ? 'ignore' : 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The package starts a system redis-server on 6379; a dev machine and CI must not keep it. */
function stopSystemService() {
  const systemd = existsSync('/run/systemd/system') && findOnPath('systemctl');
  if (systemd) {
    run('systemctl', ['disable', '--now', 'redis-server'], { quiet: true });
  } else {
    if (findOnPath('service')) run('service', ['redis-server', 'stop'], { quiet: true });
    if (findOnPath('update-rc.d')) run('update-rc.d', ['redis-server', 'disable'], { quiet: true });
  }
  if (!existsSync(SERVICE_PIDFILE)) return;
  const pid = Number(readFileSync(SERVICE_PIDFILE, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 1 && processAlive(pid)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Gone in the meantime.
    }
  }
}

/** Installs with service start-up suppressed when we can, and stops the service in any case. */
function installWithApt() {
  let addedPolicy = false;
  if (!existsSync(POLICY_RC_D)) {
    try {
      writeFileSync(POLICY_RC_D, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
      addedPolicy = true;
    } catch {
      // Read-only /usr: fall back to stopping the service afterwards.
    }
  }
  try {
    process.stderr.write(`redis-server is missing; installing the Debian package ${PACKAGE}…\n`);
    return run('apt-get', ['update', '-qq']) && run('apt-get', ['install', '-y', '-qq', PACKAGE]);
  } finally {
    if (addedPolicy) unlinkSync(POLICY_RC_D);
    stopSystemService();
  }
}

function main() {
  if (findOnPath('redis-server')) return 0;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !findOnPath('apt-get')) {
    process.stderr.write(`${MISSING_LINE}\n`);
    return 1;
  }
  if (installWithApt() && findOnPath('redis-server')) return 0;
  process.stderr.write(`${MISSING_LINE}\n`);
  return 1;
}

try {
  process.exitCode = main();
} catch (err) {
  const reason = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
  process.stderr.write(`${MISSING_LINE} (${reason})\n`);
  process.exitCode = 1;
}
