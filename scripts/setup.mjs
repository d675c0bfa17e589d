#!/usr/bin/env node
// One-step set-up behind `npm run dev` and `npm test` on a fresh machine: installs the npm
// dependencies when node_modules is missing or older than package-lock.json, then makes sure
// redis-server is installed (scripts/ensure-redis.mjs). Plain Node, no dependencies.

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
      `set-up failed: ${command} ${args.join(' ')} exited with ${result.status ?? result.signal}\n`,
    );
    process.exit(1);
  }
}

if (!existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs)) {
  process.stderr.write('installing npm dependencies (npm ci)...\n');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
run(process.execPath, [join(root, 'scripts', 'ensure-redis.mjs')]);
