#!/usr/bin/env node
// Runs before `npm test`: the SDK browser tests drive Debian's Chromium (test/sdk/browser.test.ts).
// As root with apt it installs the package; otherwise it says how, and the tests that need it are
// skipped. Never fails the set-up: everything else runs without a browser. Plain Node, no dependencies.

import { aptInstall, canInstall, findOnPath, installCommand } from './apt-package.mjs';

const PACKAGE = 'chromium';
const APT_ARGS = ['--no-install-recommends'];
const SKIP_LINE = `chromium is missing, so the SDK browser tests will be skipped; install it with: ${installCommand(PACKAGE, APT_ARGS)}`;

function main() {
  if (findOnPath('chromium')) return;
  if (canInstall()) {
    process.stderr.write(`chromium is missing; installing the Debian package ${PACKAGE}…\n`);
    if (aptInstall(PACKAGE, { aptArgs: APT_ARGS }) && findOnPath('chromium')) return;
  }
  process.stderr.write(`${SKIP_LINE}\n`);
}

try {
  main();
} catch (err) {
  const reason = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
  process.stderr.write(`${SKIP_LINE} (${reason})\n`);
}
