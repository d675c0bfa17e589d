// V8 settings for a gateway process: thousands of long-lived connection objects next to a stream of
// short-lived per-request ones. Measured with scenarios g and e of `slotway bench` (docs/benchmarks.md).

import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

/**
 * - `--no-allocation-site-pretenuring`: when many clients connect at once, nearly everything their
 *   sockets allocate survives, so V8 starts allocating straight into the old generation at those
 *   allocation sites — and keeps doing it for the short-lived objects the same code paths create per
 *   request afterwards. The old generation then grew by ~12 MB/s under load until the next full GC.
 * - `--heap-growing-percent=50`: after a full GC the next one comes when the old generation is 1.5x
 *   what was live. This replaces the factor V8 would pick itself: up to 4x for a small heap under
 *   load, so garbage left by clients that disconnected is collected before it doubles the footprint;
 *   but also 1.1-1.3x in V8's memory-reducing modes, so an idle gateway keeps a little more garbage
 *   between full GCs than it otherwise would (never beyond V8's limit for the heap as a whole).
 *   Neither of these two changed throughput measurably (scenarios a, b, e side by side).
 * - `--no-concurrent-array-buffer-sweeping`: the memory of dead Buffers is freed on the main thread
 *   as part of each GC instead of by a background task. Large values make a Buffer per read or
 *   write; on a small machine whose cores are busy with the servers and clients, the background
 *   task waits to be scheduled and, as far as we can tell, the next GC waits for it (the gateway
 *   made thousands of futex calls a second). With 16 KB values (scenario e) this gave
 *   +40–50 % throughput and a p99 of ~6 ms instead of ~17 ms; scenarios a and b stayed within noise.
 *   (`--single-threaded-gc` does as much for e, but V8 only takes it at process start.)
 */
export const GATEWAY_V8_FLAGS = [
  '--no-allocation-site-pretenuring',
  '--heap-growing-percent=50',
  '--no-concurrent-array-buffer-sweeping',
] as const;

/**
 * The largest semi-space, in MB, a gateway's young generation grows to. V8's own limit on a 64-bit
 * machine is 16 MB, and the young generation holds two of them: 32 MB of a busy gateway's memory.
 * Side by side (scenarios a, b, e, gateways started with `--max-semi-space-size`), 8 kept throughput
 * within noise; 1 or 2 cost ~18 % of pipelined throughput (b) and doubled its p99, because requests in
 * flight then outlive scavenges and are copied to the old generation.
 */
export const SEMI_SPACE_LIMIT_MB = 8;

let applied = false;

/**
 * Applies GATEWAY_V8_FLAGS and the semi-space limit to this process, once; a semi-space flag given at
 * start (command line or NODE_OPTIONS) is left to stand.
 */
export function tuneHeapForGateway(): void {
  if (applied) return;
  applied = true;
  for (const flag of GATEWAY_V8_FLAGS) v8.setFlagsFromString(flag);
  if (!semiSpaceSetAtStart()) limitSemiSpace(SEMI_SPACE_LIMIT_MB);
}

/**
 * Keeps the young generation's semi-space at or below `limitMb` from inside a running process.
 * V8 takes `--max-semi-space-size` only at start (and Node 20 cannot re-exec itself with it), but it
 * reads `--semi-space-growth-factor` each time it grows the young generation: after every GC this
 * sets the factor to 2 (V8's default) while one more doubling stays within the limit and to 1 (no
 * growth) once it would not. If V8 later shrinks an idle young generation, growth resumes up to the
 * limit. The factor is read when a scavenge decides to grow, and this runs after GCs, so two
 * doublings between two such checks could still pass the limit (up to V8's own maximum, what an
 * untuned process has anyway). Returns a function that stops the checks.
 */
export function limitSemiSpace(limitMb: number): () => void {
  let factor = 0;
  const check = (): void => {
    const semiMb = semiSpaceMb();
    if (semiMb === null) return;
    const wanted = semiMb * 2 <= limitMb ? 2 : 1;
    if (wanted === factor) return;
    factor = wanted;
    v8.setFlagsFromString(`--semi-space-growth-factor=${wanted}`);
  };
  const observer = new PerformanceObserver(check);
  observer.observe({ entryTypes: ['gc'] });
  check();
  return () => observer.disconnect();
}

/**
 * The young generation's current semi-space size in MB (a few per cent less: page headers), or null
 * if unknown. Not `space_size / 2`: that counts the second semi-space only while it is committed.
 */
export function semiSpaceMb(): number | null {
  const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  return space ? (space.space_used_size + space.space_available_size) / (1024 * 1024) : null;
}

/** Whether this process was started with its own young-generation size, which then stands. */
function semiSpaceSetAtStart(): boolean {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  return /--(max|min)[-_]semi[-_]space[-_]size|--semi[-_]space[-_]growth[-_]factor/.test(given);
}
