// Helpers that look inside a complete reply frame without decoding it: the elements of an array as
// byte slices, an integer's value. Used to merge split replies (MGET, DEL) by concatenating slices.

import { DEFAULT_LIMITS, INCOMPLETE, parseLength, type ScanResult, scanFrame } from './resp-scanner.js';

const scratch: ScanResult = { value: undefined, need: 0 };

/** Elements of an array/set/push frame as slices; null when the frame is not an aggregate. */
export function aggregateElements(frame: Buffer): Buffer[] | null {
  const t = frame[0];
  if (t !== 0x2a && t !== 0x7e && t !== 0x3e) return null;
  const cr = frame.indexOf(13, 1);
  const count = parseLength(frame, 1, cr, 'multibulk');
  if (count < 0) return null;
  const out: Buffer[] = new Array(count);
  let pos = cr + 2;
  for (let i = 0; i < count; i++) {
    const end = scanFrame(frame, pos, DEFAULT_LIMITS, false, scratch);
    if (end === INCOMPLETE) return null;
    out[i] = frame.subarray(pos, end);
    pos = end;
  }
  return out;
}

/** The value of an integer frame (`:n`), or null. */
export function integerOf(frame: Buffer): number | null {
  if (frame[0] !== 0x3a) return null;
  const n = Number(frame.toString('latin1', 1, frame.length - 2));
  return Number.isFinite(n) ? n : null;
}

export function isErrorFrame(frame: Buffer): boolean {
  return frame[0] === 0x2d || frame[0] === 0x21;
}

/** `*n\r\n` followed by the given element frames. */
export function arrayFrame(elements: readonly Buffer[], prefix = '*'): Buffer {
  const head = Buffer.from(`${prefix}${elements.length}\r\n`, 'latin1');
  return Buffer.concat([head, ...elements]);
}
