// The set-up behind the README's two commands (scripts/setup.mjs, ensure-redis.mjs, ensure-chromium.mjs)
// on a machine without redis-server or Chromium, simulated without uninstalling them: PATH holds only a
// temp dir, with or without a stand-in apt-get that records its calls, and a real non-root user where
// we are root.

import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/ops/local-cluster-binary.js';

const REPO_ROOT = new URL('../..', import.meta.url).pathname;
const IS_ROOT = process.getuid?.() === 0;
const SETPRIV = findExecutable('setpriv');
/** The uid/gid of `nobody` on Debian. */
const NOBODY = '65534';

const installLine = (sudo: boolean) =>
  `redis-server is missing; install it with: ${sudo ? 'sudo ' : ''}apt-get install -y redis-server\n`;
const chromiumLine = (sudo: boolean) =>
  'chromium is missing, so the SDK browser tests will be skipped; install it with: ' +
  `${sudo ? 'sudo ' : ''}apt-get install -y --no-install-recommends chromium\n`;
const twemproxyLine = (sudo: boolean) =>
  'nutcracker is missing, so slotway bench --standalone will not measure twemproxy beside Slotway; ' +
  `install it with: ${sudo ? 'sudo ' : ''}apt-get install -y --no-install-recommends nutcracker\n`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slotway-setup-'));
  // A non-root user runs the copied script from here and the stand-in apt-get writes here.
  chmodSync(dir, 0o777);
  for (const script of [
    'ensure-redis.mjs',
    'ensure-chromium.mjs',
    'ensure-twemproxy.mjs',
    'apt-package.mjs',
  ]) {
    copyFileSync(join(REPO_ROOT, 'scripts', script), join(dir, script));
  }
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A stand-in apt-get in `dir`: appends each call (and DEBIAN_FRONTEND) to `dir`/apt-calls; `install`
 * either drops an executable named after the package next to itself, as the package would put one on
 * PATH, or fails.
 */
function fakeAptGet(install: 'succeeds' | 'fails') {
  // The package is the last argument.
  const onInstall =
    install === 'succeeds'
      ? `printf '#!/bin/sh\\nexit 0\\n' > "${dir}/$pkg"; /bin/chmod 755 "${dir}/$pkg"`
      : `echo "E: Unable to locate package $pkg" >&2; exit 100`;
  writeFileSync(
    join(dir, 'apt-get'),
    `#!/bin/sh\necho "$* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> '${dir}/apt-calls'\n` +
      `for pkg; do :; done\ncase "$1" in install) ${onInstall};; esac\nexit 0\n`,
    { mode: 0o755 },
  );
}

/** An executable stand-in for an installed program. */
function installed(name: string) {
  writeFileSync(join(dir, name), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
}

function aptCalls(): string[] {
  const file = join(dir, 'apt-calls');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
}

/** Runs a set-up script with PATH = the temp dir only, so neither redis-server nor apt-get is found unless put there. */
function runScript(script: string, asNobody = false, scriptArgs: string[] = []) {
  const node = process.execPath;
  const [command, args] =
    asNobody && SETPRIV
      ? [SETPRIV, ['--reuid', NOBODY, '--regid', NOBODY, '--clear-groups', '--', node, script, ...scriptArgs]]
      : [node, [script, ...scriptArgs]];
  const result = spawnSync(command, args, {
    env: { PATH: dir, HOME: dir },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('scripts/ensure-redis.mjs', () => {
  it('does nothing when redis-server is on PATH', () => {
    installed('redis-server');
    fakeAptGet('succeeds');
    expect(runScript(join(dir, 'ensure-redis.mjs'))).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(aptCalls()).toEqual([]);
  });

  it.skipIf(!IS_ROOT || !SETPRIV)(
    'as a user other than root, stops with the one-line sudo install command and does not run apt-get',
    () => {
      fakeAptGet('succeeds');
      const result = runScript(join(dir, 'ensure-redis.mjs'), true);
      expect(result).toEqual({ code: 1, stdout: '', stderr: installLine(true) });
      expect(aptCalls()).toEqual([]);
    },
  );

  it.skipIf(IS_ROOT)('as this user (not root), stops with the one-line sudo install command', () => {
    fakeAptGet('succeeds');
    expect(runScript(join(dir, 'ensure-redis.mjs'))).toEqual({
      code: 1,
      stdout: '',
      stderr: installLine(true),
    });
    expect(aptCalls()).toEqual([]);
  });

  it.skipIf(!IS_ROOT)('as root without apt-get, stops with the one-line install command', () => {
    expect(runScript(join(dir, 'ensure-redis.mjs'))).toEqual({
      code: 1,
      stdout: '',
      stderr: installLine(false),
    });
  });

  it.skipIf(!IS_ROOT)('as root with apt-get, installs the Debian package non-interactively', () => {
    fakeAptGet('succeeds');
    const result = runScript(join(dir, 'ensure-redis.mjs'));
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('redis-server is missing; installing the Debian package redis-server…\n');
    expect(aptCalls()).toEqual([
      'update -qq DEBIAN_FRONTEND=noninteractive',
      'install -y -qq redis-server DEBIAN_FRONTEND=noninteractive',
    ]);
    expect(existsSync(join(dir, 'redis-server'))).toBe(true);
  });

  it.skipIf(!IS_ROOT)(
    'as root, when apt-get fails, ends with the one-line install command and no stack trace',
    () => {
      fakeAptGet('fails');
      const result = runScript(join(dir, 'ensure-redis.mjs'));
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'redis-server is missing; installing the Debian package redis-server…\n' +
          'E: Unable to locate package redis-server\n' +
          installLine(false),
      );
    },
  );
});

describe('scripts/ensure-chromium.mjs', () => {
  it('does nothing when chromium is on PATH', () => {
    installed('chromium');
    fakeAptGet('succeeds');
    expect(runScript(join(dir, 'ensure-chromium.mjs'))).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(aptCalls()).toEqual([]);
  });

  it.skipIf(!IS_ROOT || !SETPRIV)(
    'as a user other than root, says how to install it and does not fail',
    () => {
      fakeAptGet('succeeds');
      const result = runScript(join(dir, 'ensure-chromium.mjs'), true);
      expect(result).toEqual({ code: 0, stdout: '', stderr: chromiumLine(true) });
      expect(aptCalls()).toEqual([]);
    },
  );

  it.skipIf(!IS_ROOT)('as root with apt-get, installs the Debian package without recommends', () => {
    fakeAptGet('succeeds');
    const result = runScript(join(dir, 'ensure-chromium.mjs'));
    expect(result).toEqual({
      code: 0,
      stdout: '',
      stderr: 'chromium is missing; installing the Debian package chromium…\n',
    });
    expect(aptCalls()).toEqual([
      'update -qq DEBIAN_FRONTEND=noninteractive',
      'install -y -qq --no-install-recommends chromium DEBIAN_FRONTEND=noninteractive',
    ]);
  });

  it.skipIf(!IS_ROOT)('as root, when apt-get fails, says how to install it and does not fail', () => {
    fakeAptGet('fails');
    const result = runScript(join(dir, 'ensure-chromium.mjs'));
    expect(result.code).toBe(0);
    expect(result.stderr.split('\n').at(-2)).toBe(chromiumLine(false).trim());
  });
});

describe('scripts/setup.mjs', () => {
  // node_modules is up to date here, so only the ensure steps run.
  const setup = join(REPO_ROOT, 'scripts', 'setup.mjs');

  it('ends with the one install line when redis-server is missing', () => {
    expect(runScript(setup)).toEqual({ code: 1, stdout: '', stderr: installLine(!IS_ROOT) });
  });

  it('passes silently when redis-server is on PATH, and does not look for chromium without --tests', () => {
    installed('redis-server');
    expect(runScript(setup)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('with --tests (npm test), also looks for chromium and nutcracker and only notes their absence', () => {
    installed('redis-server');
    expect(runScript(setup, false, ['--tests'])).toEqual({
      code: 0,
      stdout: '',
      stderr: chromiumLine(!IS_ROOT) + twemproxyLine(!IS_ROOT),
    });
    installed('chromium');
    installed('nutcracker');
    expect(runScript(setup, false, ['--tests'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
