// CPU time and resident memory of a process and its descendants, read from /proc (Linux). The bench
// uses it to show where the CPU went in each run (gateway, servers, load generator) and to measure
// the gateway's RSS; on other systems the readings are null and the report says so.

import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every mainstream Linux. */
const TICKS_PER_SECOND = 100;

interface StatLine {
  ppid: number;
  cpuTicks: number;
}

function readStat(pid: number): StatLine | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name is in parentheses and may contain spaces: parse after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

export function procAvailable(): boolean {
  return readStat(process.pid) !== null;
}

/** `root` and every live descendant. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [root];
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (!stat) continue;
    const list = children.get(stat.ppid);
    if (list) list.push(pid);
    else children.set(stat.ppid, [pid]);
  }
  const tree: number[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    tree.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** Total CPU time (user + system) of `pids` in milliseconds; null without /proc. */
export function cpuTimeMs(pids: readonly number[]): number | null {
  let ticks = 0;
  let any = false;
  for (const pid of pids) {
    const stat = readStat(pid);
    if (!stat) continue;
    any = true;
    ticks += stat.cpuTicks;
  }
  return any ? (ticks * 1000) / TICKS_PER_SECOND : null;
}

export interface MemoryReading {
  /** Resident set size: what `ps` and the targets call RSS (shared binary pages count in each process). */
  rss: number;
  /** Private anonymous memory (heap, buffers): what the process really adds. */
  anon: number;
}

/** Total memory of `pids` in bytes; null without /proc. */
export function memoryOf(pids: readonly number[]): MemoryReading | null {
  let rss = 0;
  let anon = 0;
  let any = false;
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'latin1');
      const total = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      if (!total) continue;
      rss += Number(total[1]) * 1024;
      anon += Number(/^RssAnon:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? total[1]) * 1024;
      any = true;
    } catch {
      // The process exited between listing and reading.
    }
  }
  return any ? { rss, anon } : null;
}

/** Read and write system calls made so far by `pids` (from /proc/<pid>/io); null without it. */
export function syscallCounts(pids: readonly number[]): { reads: number; writes: number } | null {
  let reads = 0;
  let writes = 0;
  let any = false;
  for (const pid of pids) {
    try {
      const io = readFileSync(`/proc/${pid}/io`, 'latin1');
      reads += Number(/^syscr:\s+(\d+)/m.exec(io)?.[1] ?? 0);
      writes += Number(/^syscw:\s+(\d+)/m.exec(io)?.[1] ?? 0);
      any = true;
    } catch {
      // Not readable (another user's process) or gone.
    }
  }
  return any ? { reads, writes } : null;
}
