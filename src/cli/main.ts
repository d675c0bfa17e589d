#!/usr/bin/env node
// The `slotway` command line: wires each subcommand's module into one commander program.

import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { registerConfigCommand } from '../config/check-command.js';
import { addConfigFlags, type CliFlags } from '../config/flag-source.js';
import { ConfigError, ConfigValidationError, formatConfigErrors, loadConfig } from '../config/load.js';
import { createLogger, type LogLevel } from '../observability/logger.js';
import { registerBenchCommand } from '../ops/bench/bench-command.js';
import { registerDevCommand } from '../ops/dev-command.js';
import { startGatewayWithAdmin } from './run-gateway.js';
import { isWorkerPrimary, reportWorkerReady, superviseWorkers } from './workers.js';

// `slotway config check | head` closes the pipe early: stop quietly, as Unix tools do, instead of
// dying on an unhandled EPIPE with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const EXAMPLES = `
Examples:
  $ slotway dev                                   local 3x1 cluster on ports 7000-7005 + gateway on 6380
  $ slotway dev --primaries 3 --replicas 0 --port 6390
  $ slotway start --cluster 10.0.0.1:7000,10.0.0.2:7000
  $ slotway start --standalone redis://:secret@cache:6379
  $ SLOTWAY_BACKEND_NODES=127.0.0.1:7000 slotway start --port 6380
  $ slotway config check --config slotway.yaml
  $ redis-cli -p 6380 set greeting hello
`;

const program = new Command('slotway')
  .description('Makes a fleet of Redis or Valkey servers look like one fast, highly available Redis.')
  .version('0.1.0')
  .showHelpAfterError()
  .addHelpText('after', EXAMPLES);

addConfigFlags(
  program
    .command('start')
    .description('run the gateway in front of a Redis Cluster / Valkey cluster or one server'),
).action(async (flags: CliFlags) => {
  const loaded = loadOrExit(flags);
  const logger = createLogger({ level: loaded.log.level as LogLevel, format: loaded.log.format });
  const workers = loaded.workers === 0 ? availableParallelism() : loaded.workers;
  if (isWorkerPrimary(workers)) {
    superviseWorkers(workers, logger);
    return;
  }
  const running = await startGatewayWithAdmin(loaded, logger).catch((err: Error) =>
    fail(`slotway start: ${err.message}`),
  );
  reportWorkerReady();
  onStopSignal(async () => {
    logger.info('stopping');
    await running.stop();
  });
});

registerDevCommand(program, {
  async afterClusterReady(cluster) {
    const flags = program.commands
      .find((c) => c.name() === 'dev')!
      .opts<{ port: number; adminPort: number; httpPort: number }>();
    const logger = createLogger({ level: 'info', format: 'auto' });
    const config = loadOrExit({
      ...(cluster.mode === 'cluster'
        ? { cluster: cluster.seeds.join(',') }
        : { standalone: `redis://${cluster.seeds[0]}` }),
      port: flags.port,
      adminPort: flags.adminPort,
      httpPort: flags.httpPort,
    });
    const running = await startGatewayWithAdmin(config, logger);
    process.stdout.write(
      `\nSlotway gateway on 127.0.0.1:${running.port}  (try: redis-cli -p ${running.port} set hello world)\n` +
        `Metrics on http://127.0.0.1:${running.admin.port}/metrics\n` +
        (running.http ? `HTTP API on http://127.0.0.1:${running.http.port}/ (WebSocket: /ws)\n` : ''),
    );
    return () => running.stop();
  },
})
  .option('--port <port>', 'gateway RESP port', '6380')
  .option('--admin-port <port>', 'gateway admin port (/metrics, /healthz, /readyz)', '9121')
  .option('--http-port <port>', 'HTTP REST / WebSocket API port', '8080');

registerConfigCommand(program);
registerBenchCommand(program);

function loadOrExit(flags: CliFlags) {
  try {
    return loadConfig({ flags }).config;
  } catch (err) {
    if (err instanceof ConfigValidationError)
      fail(`invalid configuration:\n${formatConfigErrors(err.issues)}`);
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function onStopSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) process.exit(130);
    stopping = true;
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

await program.parseAsync(process.argv);
