#!/usr/bin/env node
// Runs before `npm test`: the SDK browser tests drive Debian's Chromium (test/sdk/browser.test.ts).
// As root with apt it installs the package; otherwise it says how, and the tests that need it are
// skipped. Never fails the set-up: everything else runs without a browser. Plain Node, no dependencies.

import { ensureOptionalPackage } from './apt-package.mjs';

ensureOptionalPackage({
  command: 'chromium',
  pkg: 'chromium',
  aptArgs: ['--no-install-recommends'],
  skipped: 'the SDK browser tests will be skipped',
});
