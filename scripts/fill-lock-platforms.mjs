#!/usr/bin/env node
// Adds package-lock.json entries for platform-specific optional packages (biome, rollup, ...) that
// the registry this lock was made against does not serve. `npm install` leaves them out when their
// metadata cannot be fetched, and `npm ci` then refuses the lock as out of sync. Each added entry
// carries the os/cpu/libc that its name declares, so npm skips it on every other platform without
// fetching anything. Run after `npm install` whenever the lock changes: node scripts/fill-lock-platforms.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;

const OS = ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'openharmony', 'win32', 'sunos', 'aix'];
const CPU = {
  arm64: 'arm64',
  x64: 'x64',
  ia32: 'ia32',
  arm: 'arm',
  loong64: 'loong64',
  ppc64: 'ppc64',
  riscv64: 'riscv64',
  s390x: 's390x',
};

/** Reads `os`, `cpu` and `libc` from a name such as `@rollup/rollup-linux-arm-musleabihf`. */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = OS.find((o) => parts.includes(o));
  const cpu = Object.keys(CPU).find((c) => parts.includes(c));
  if (!os || !cpu) return undefined;
  const platform = { os: [os], cpu: [CPU[cpu]] };
  if (os === 'linux') {
    if (parts.some((p) => p.startsWith('musl'))) platform.libc = ['musl'];
    else if (parts.some((p) => p.startsWith('gnu'))) platform.libc = ['glibc'];
  }
  return platform;
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  if (!entry.optionalDependencies) continue;
  const base = path === '' ? '' : `${path}/`;
  for (const [name, version] of Object.entries(entry.optionalDependencies)) {
    if (packages[`${base}node_modules/${name}`] || packages[`node_modules/${name}`]) continue;
    const platform = platformOf(name);
    if (!platform) {
      console.warn(`skipped ${name}: its name does not say which platform it is for`);
      continue;
    }
    packages[`node_modules/${name}`] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...platform,
    };
    added++;
  }
}

lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b, 'en')));
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: added ${added} platform entries`);
