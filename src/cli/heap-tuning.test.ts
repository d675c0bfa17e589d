import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const MODULE = fileURLToPath(new URL('./heap-tuning.ts', import.meta.url));

/**
 * Largest semi-space seen while a fresh process keeps a growing share of what it allocates alive, a
 * little per event-loop turn (V8 grows its young generation when many objects survive scavenges).
 * Each turn ends with a timer, so GC reports, which Node delivers a turn or two later, are handled
 * before enough has survived for V8 to grow the young generation again.
 */
async function largestSemiSpace(limitMb: number | null): Promise<number> {
  const script = `
    const { limitSemiSpace, semiSpaceMb } = await import(${JSON.stringify(MODULE)});
    if (${limitMb} !== null) limitSemiSpace(${limitMb});
    let keep = [];
    let largest = 0;
    for (let turn = 0; turn < 400; turn++) {
      for (let i = 0; i < 2500; i++) {
        keep.push({ i, list: [i] });
        if (keep.length > 300000) keep = [];
      }
      largest = Math.max(largest, semiSpaceMb());
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    console.log(largest);
  `;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    timeout: 60_000,
  });
  return Number(stdout.trim());
}

describe('limitSemiSpace', () => {
  it('keeps the young generation within the limit where V8 alone grows it further', async () => {
    const [alone, limited] = await Promise.all([largestSemiSpace(null), largestSemiSpace(2)]);
    expect(alone).toBeGreaterThan(2);
    expect(limited).toBeGreaterThan(0);
    expect(limited).toBeLessThanOrEqual(2);
  });
});
