// A test runner that crashes: starts a standalone server, prints "<pid> <dir>", then leaves
// without calling stop() — by throwing, on a signal, or by simply running out of work. The
// harness's reaper must still leave no process and no directory behind.

import { startStandaloneServer } from '../../src/ops/local-cluster.js';

const mode = process.argv[2] ?? 'throw';
const server = await startStandaloneServer();
process.stdout.write(`${server.nodes[0]!.pid} ${server.dir}\n`);

if (mode === 'throw') throw new Error('simulated test-runner crash');
// Waits for the SIGTERM the test sends; the reaper is then the only listener.
if (mode === 'signal') setInterval(() => {}, 60_000);
// mode 'return': nothing keeps the event loop alive, so the process exits on its own.
