#!/usr/bin/env node
// Runs before `npm test`: `slotway bench --standalone` measures twemproxy (Debian's nutcracker) beside
// Slotway, and its test (test/ops/bench.test.ts) checks that. As root with apt it installs the
// package; otherwise it says how, and that part is skipped. Never fails the set-up.

import { ensureOptionalPackage } from './apt-package.mjs';

ensureOptionalPackage({
  command: 'nutcracker',
  pkg: 'nutcracker',
  aptArgs: ['--no-install-recommends'],
  skipped: 'slotway bench --standalone will not measure twemproxy beside Slotway',
});
