// Bounded polling for the harness: every wait has a deadline, reports what it was still waiting
// for when it gives up, and stops early when the caller aborts (Ctrl-C during `slotway dev`).

/** A wait ran out of time; the message says which condition was still unmet. */
export class LocalClusterTimeoutError extends Error {
  override readonly name = 'LocalClusterTimeoutError';
}

export interface WaitOptions {
  /** What is being waited for, e.g. "cluster_state:ok on every node". */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal | undefined;
  /** Extra text for the timeout error (log tails of the nodes involved). */
  diagnose?: (lastProblem: string) => string;
  /** Returns an error when waiting longer is pointless (a node process died); it is thrown at once. */
  fatal?: () => Error | null;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('local cluster start aborted');
}

/**
 * Calls `problem` until it returns null (condition met). A thrown error counts as "not yet" —
 * nodes refuse connections or answer LOADING while they start — and becomes the reported problem.
 */
export async function waitUntil(problem: () => Promise<string | null>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 50;
  let last = 'not checked yet';
  for (;;) {
    if (options.signal?.aborted) throw abortReason(options.signal);
    const fatal = options.fatal?.();
    if (fatal) throw fatal;
    try {
      const found = await problem();
      if (found === null) return;
      last = found;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      const extra = options.diagnose ? options.diagnose(last) : '';
      throw new LocalClusterTimeoutError(
        `timed out after ${options.timeoutMs} ms waiting for ${options.what}: ${last}${extra ? `\n${extra}` : ''}`,
      );
    }
    await sleep(interval, options.signal);
  }
}
