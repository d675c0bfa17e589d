// Our CRC16 slot hashing against the server's own: 10,000 random keys (plain, with hash tags, with
// empty and unclosed braces, UTF-8 and raw binary) sent as CLUSTER KEYSLOT to a live cluster node.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../src/protocol/resp-encoder.js';
import { slotOf } from '../../src/topology/slot-hash.js';
import { useCluster } from '../support/cluster.js';
import { RawConnection } from '../support/raw-socket.js';

const KEYS = 10_000;

/** Random key shapes that exercise every hash-tag rule. */
const keyArbitrary: fc.Arbitrary<Buffer> = fc.oneof(
  fc.string({ maxLength: 24 }).map((s) => Buffer.from(s)),
  fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b)),
  fc
    .tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }))
    .map(([a, tag, b]) => Buffer.from(`${a}{${tag}}${b}`)),
  fc
    .tuple(fc.constantFrom('{', '}', '{}', '{{', '}}', '{}{', '}{'), fc.string({ maxLength: 6 }))
    .map(([braces, s]) => Buffer.from(`${s}${braces}${s}`)),
  fc
    .tuple(fc.uint8Array({ maxLength: 6 }), fc.uint8Array({ maxLength: 6 }))
    .map(([a, b]) => Buffer.concat([Buffer.from(a), Buffer.from('{'), Buffer.from(b), Buffer.from('}')])),
);

/** The cases the hash-tag rules are usually got wrong on, checked against the server too. */
const LISTED_KEYS = [
  '123456789',
  '{user1000}.a',
  '{user1000}.b',
  'foo{}{bar}',
  '{}',
  '{abc',
  '{{a}}',
  '{a',
  'foo{bar}{zap}',
  '',
].map((k) => Buffer.from(k));

describe('slot hashing against CLUSTER KEYSLOT', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });

  it(`agrees with a live cluster on the listed keys and ${KEYS.toLocaleString('en')} random keys`, {
    timeout: 60_000,
  }, async () => {
    const keys = [...LISTED_KEYS, ...fc.sample(keyArbitrary, { numRuns: KEYS, seed: 20261122 })];
    const port = Number(cluster().seeds[0]!.split(':').at(-1));
    const conn = await RawConnection.connect(port);
    try {
      conn.write(Buffer.concat(keys.map((k) => encodeCommand(['CLUSTER', 'KEYSLOT', k]))));
      const replies = await conn.read(keys.length, 30_000);
      const mismatches = keys
        .map((key, i) => ({ key: key.toString('hex'), server: replies[i], ours: slotOf(key) }))
        .filter((m) => !(m.server?.type === 'integer' && Number(m.server.value) === m.ours));
      expect(mismatches.slice(0, 5)).toEqual([]);
      expect(keys.filter((k) => k.includes(0x7b)).length).toBeGreaterThan(KEYS / 4);
    } finally {
      conn.socket.destroy();
    }
  });
});
