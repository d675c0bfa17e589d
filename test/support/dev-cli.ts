// A minimal `slotway` program with only the dev command, so tests can run `slotway dev` as a real
// child process (signals, exit codes, stderr) without the full CLI.

import { Command } from 'commander';
import { registerDevCommand } from '../../src/ops/dev-command.js';

const program = new Command('slotway');
registerDevCommand(program);
await program.parseAsync(process.argv);
