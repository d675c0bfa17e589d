// Last line of defence against leaked servers: every child and temp dir the harness makes is
// recorded here, and when this process exits — normally, on an uncaught error, or on a signal
// nobody else handles — whatever is still alive is SIGKILLed and the dirs are removed, synchronously.

import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let installed = false;

/** Signals whose default action would end the process without an 'exit' event. */
const FATAL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function trackChild(child: ChildProcess): void {
  installReaper();
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

export function untrackChild(child: ChildProcess): void {
  liveChildren.delete(child);
}

export function trackDir(dir: string): void {
  installReaper();
  liveDirs.add(dir);
}

export function untrackDir(dir: string): void {
  liveDirs.delete(dir);
}

/** PIDs of every server this process started that has not exited yet. */
export function trackedPids(): number[] {
  const pids: number[] = [];
  for (const child of liveChildren) if (child.pid !== undefined) pids.push(child.pid);
  return pids;
}

function reapNow(): void {
  for (const child of liveChildren) {
    try {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  liveChildren.clear();
  for (const dir of liveDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: the process is going away and cannot report anything useful.
    }
  }
  liveDirs.clear();
}

function onFatalSignal(signal: NodeJS.Signals): void {
  // Someone else (e.g. `slotway dev`) handles this signal and will stop the servers gracefully;
  // we only step in when our listener is the sole one, i.e. the signal would otherwise kill us.
  if (process.listenerCount(signal) > 1) return;
  reapNow();
  for (const s of FATAL_SIGNALS) process.removeListener(s, onFatalSignal);
  process.kill(process.pid, signal);
}

function installReaper(): void {
  if (installed) return;
  installed = true;
  process.on('exit', reapNow);
  for (const signal of FATAL_SIGNALS) process.on(signal, onFatalSignal);
}
