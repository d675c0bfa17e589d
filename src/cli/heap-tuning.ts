// V8 settings for a gateway process: thousands of long-lived connection objects next to a stream of
// short-lived per-request ones. Measured with scenarios g and e of `slotway bench` (docs/benchmarks.md).

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

let applied = false;

/** Applies GATEWAY_V8_FLAGS to this process, once; V8 reads each at run time, not only at start. */
export function tuneHeapForGateway(): void {
  if (applied) return;
  applied = true;
  for (const flag of GATEWAY_V8_FLAGS) v8.setFlagsFromString(flag);
}
