// The `slotway` command line as a user meets it, run as a real process (bin/slotway.js): help with
// examples, `config check` with secrets masked or every error listed, and logs that are JSON in a
// pipe and human-readable in a terminal.

import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findExecutable } from '../../src/ops/local-cluster-binary.js';

const REPO_ROOT = new URL('../..', import.meta.url).pathname;
/** util-linux `script` runs a command on a pseudo-terminal; Debian always has it. */
const SCRIPT = findExecutable('script');

/** Runs `slotway <args>` with exactly `env` (plus PATH) and returns what it printed. */
function slotway(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['bin/slotway.js', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('slotway --help', () => {
  it('lists every command with what it does, then examples', () => {
    const { code, stdout, stderr } = slotway(['--help']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const commands = stdout
      .slice(stdout.indexOf('Commands:'), stdout.indexOf('Examples:'))
      .split('\n')
      .map((line) => /^ {2}(\w+)/.exec(line)?.[1])
      .filter(Boolean);
    expect(commands).toEqual(['start', 'dev', 'config', 'bench', 'help']);
    const examples = stdout.slice(stdout.indexOf('Examples:')).split('\n');
    for (const command of ['slotway dev', 'slotway start --cluster', 'slotway config check']) {
      expect(
        examples.some((line) => line.trim().startsWith(`$ ${command}`)),
        command,
      ).toBe(true);
    }
  });

  it('slotway dev --help lists the harness flags', () => {
    const { code, stdout } = slotway(['dev', '--help']);
    expect(code).toBe(0);
    for (const flag of ['--primaries', '--replicas', '--base-port', '--server-bin', '--node-timeout']) {
      expect(stdout).toMatch(new RegExp(`^ {2}${flag} `, 'm'));
    }
  });
});

describe('slotway config check', () => {
  it('prints the effective config from env and flags with every secret masked', () => {
    const { code, stdout, stderr } = slotway(
      ['config', 'check', '--standalone', 'valkeys://app:pw1@h:6390'],
      {
        SLOTWAY_BACKEND_PASSWORD: 'hunter2',
        SLOTWAY_AUTH_PASSWORD: 'clientpw',
      },
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    for (const secret of ['pw1', 'hunter2', 'clientpw']) expect(stdout).not.toContain(secret);
    const printed = parse(stdout);
    expect(printed.backend).toMatchObject({
      mode: 'standalone',
      url: 'valkeys://app:***@h:6390',
      password: '***',
    });
    expect(printed.auth.password).toBe('***');
  });

  it('lists every error with its key, the bad value, where it came from and what is allowed; exits 1', () => {
    const { code, stdout, stderr } = slotway(
      ['config', 'check', '--cluster', 'mongodb://x:1', '--port', '70000'],
      { SLOTWAY_WORKERS: '99' },
    );
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toBe(
      [
        'Slotway configuration is invalid (3 errors):',
        '  backend.nodes[0] = "mongodb://x:1" (from flag --cluster): unsupported scheme "mongodb://"; allowed schemes: redis://, rediss://, valkey://, valkeys://',
        '  listen.port = 70000 (from flag --port): must be an integer from 0 to 65535',
        '  workers = 99 (from env SLOTWAY_WORKERS): must be an integer from 0 to 64',
        '',
      ].join('\n'),
    );
  });

  it('stops quietly when its reader goes away (`| head`)', async () => {
    const child = spawn(process.execPath, ['bin/slotway.js', 'config', 'check'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', SLOTWAY_BACKEND_NODES: 'a:1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Closed before the CLI has loaded, so its first write meets a closed pipe.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });
});

describe('logs', () => {
  it('are one JSON object per line when stdout is not a terminal', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/log-sample.ts', 'auto'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 30,
      component: 'gateway',
      port: 6380,
      msg: 'gateway listening',
      pid: expect.any(Number),
      time: expect.any(Number),
    });
  });

  it.skipIf(!SCRIPT)('are human-readable lines when stdout is a terminal', () => {
    const command = `${process.execPath} --import tsx test/support/log-sample.ts auto`;
    const result = spawnSync(SCRIPT!, ['-qec', command, '/dev/null'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(0);
    // Strip the colours pino-pretty adds for a terminal.
    const text = result.stdout.replace(/\x1b\[[0-9;]*m/g, '').trim();
    expect(() => JSON.parse(text)).toThrow();
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: gateway listening/);
    expect(text).toMatch(/component: "gateway"/);
  });
});
