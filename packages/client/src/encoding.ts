// Strings on the wire. With `Upstash-Encoding: base64` the server base64-encodes every string in a
// reply except a top-level `OK` status, which keeps binary values intact through JSON; this module
// undoes that, to text (UTF-8) or to bytes. Uses only atob/btoa/TextEncoder, present in every runtime.

import { SlotwayReplyError } from './errors.js';

/** How string replies come back to the caller. */
export type StringMode = 'text' | 'bytes';

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

export function base64ToBytes(b64: string): Uint8Array {
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  // Chunks keep String.fromCharCode's argument list short.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function base64ToText(b64: string): string {
  return utf8Decoder.decode(base64ToBytes(b64));
}

export function textToBytes(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

export function bytesToText(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

/** UTF-8 text of `bytes`, or undefined when they are not valid UTF-8. */
export function strictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * A reply as the caller sees it: strings decoded (from base64 when `base64`), `{"error": …}` objects
 * nested in arrays (EXEC results) turned into SlotwayReplyError values.
 */
export function decodeReply(raw: unknown, base64: boolean, mode: StringMode): unknown {
  if (base64 && raw === 'OK') return mode === 'bytes' ? textToBytes('OK') : 'OK';
  return decodeValue(raw, base64, mode);
}

function decodeValue(raw: unknown, base64: boolean, mode: StringMode): unknown {
  if (typeof raw === 'string') {
    if (mode === 'text') return base64 ? base64ToText(raw) : raw;
    return base64 ? base64ToBytes(raw) : textToBytes(raw);
  }
  if (Array.isArray(raw)) {
    const out = new Array<unknown>(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = decodeValue(raw[i], base64, mode);
    return out;
  }
  if (raw !== null && typeof raw === 'object' && typeof (raw as { error?: unknown }).error === 'string') {
    return new SlotwayReplyError((raw as { error: string }).error);
  }
  return raw;
}
