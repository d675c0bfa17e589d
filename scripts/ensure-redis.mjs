#!/usr/bin/env node
// Runs before `npm test` and `npm run dev`: makes sure redis-server is on PATH. As root with apt it
// installs Debian's package (and stops the system service the package starts on 6379); otherwise it
// prints the one-line install command. Plain Node, no dependencies, never a stack trace.

import { existsSync, readFileSync } from 'node:fs';
import { aptInstall, canInstall, findOnPath, installCommand, run } from './apt-package.mjs';

const PACKAGE = 'redis-server';
// The same words as the harness's own message (src/ops/local-cluster-binary.ts).
const MISSING_LINE = `redis-server is missing; install it with: ${installCommand(PACKAGE)}`;
const SERVICE_PIDFILE = '/run/redis/redis-server.pid';

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

function main() {
  if (findOnPath('redis-server')) return 0;
  if (!canInstall()) {
    process.stderr.write(`${MISSING_LINE}\n`);
    return 1;
  }
  process.stderr.write(`redis-server is missing; installing the Debian package ${PACKAGE}…\n`);
  if (aptInstall(PACKAGE, { afterInstall: stopSystemService }) && findOnPath('redis-server')) return 0;
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
