// Redis Cluster key → slot hashing: CRC16-XMODEM over the key bytes (or its hash tag), mod 16384.
// Written here because the common npm package mishashes keys such as `foo{}{bar}`; works on Buffers
// so the hot path never converts keys to strings.

export const SLOT_COUNT = 16384;

const CRC16_TABLE = buildCrc16Table();

function buildCrc16Table(): Uint16Array {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    table[i] = crc;
  }
  return table;
}

/** CRC16-XMODEM (poly 0x1021, init 0) of bytes[start, end). */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xff00) ^ CRC16_TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!;
  }
  return crc;
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Slot of the key stored in bytes[start, end). Hash-tag rule from the cluster spec: if the key has
 * a `{` and a later `}` with at least one byte between the first `{` and the first `}` after it,
 * only those bytes are hashed; otherwise the whole key is.
 */
export function slotOfBytes(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let open = -1;
  for (let i = start; i < end; i++) {
    if (bytes[i] === OPEN_BRACE) {
      open = i;
      break;
    }
  }
  if (open !== -1) {
    for (let i = open + 1; i < end; i++) {
      if (bytes[i] === CLOSE_BRACE) {
        if (i > open + 1) return crc16(bytes, open + 1, i) & (SLOT_COUNT - 1);
        break;
      }
    }
  }
  return crc16(bytes, start, end) & (SLOT_COUNT - 1);
}

/** Slot of a key given as a string (UTF-8) or bytes. */
export function slotOf(key: string | Uint8Array): number {
  return slotOfBytes(typeof key === 'string' ? Buffer.from(key, 'utf8') : key);
}
