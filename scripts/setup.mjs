#!/usr/bin/env node
// One-step set-up behind `npm run dev` and `npm test` on a fresh machine: installs the npm
// dependencies when node_modules is missing or older than package-lock.json, then makes sure
// redis-server is installed (scripts/ensure-redis.mjs) and, with --tests, Chromium for the browser
// tests (scripts/ensure-chromium.mjs) and twemproxy for the bench's comparison (ensure-twemproxy.mjs).
// Plain Node, no dependencies.

import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(
      `set-up failed: ${command} ${args.join(' ')} exited with ${result.status ?? result.signal ?? result.error?.code}\n`,
    );
    process.exit(1);
  }
}

if (!existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs)) {
  process.stderr.write('installing npm dependencies (npm ci)...\n');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
// Each ensure script prints its own one-line reason when it fails; a second line would only blur it.
const steps = [
  'ensure-redis.mjs',
  ...(process.argv.includes('--tests') ? ['ensure-chromium.mjs', 'ensure-twemproxy.mjs'] : []),
];
for (const step of steps) {
  const ensured = spawnSync(process.execPath, [join(root, 'scripts', step)], { stdio: 'inherit' });
  if (ensured.status !== 0) process.exit(1);
}
