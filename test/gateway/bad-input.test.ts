// Bad input through Slotway, judged against a real redis-server: each malformed or hostile request is
// sent to a standalone server and to the gateway, and the reply bytes and whether the connection was
// closed must match. Meanwhile well-behaved clients keep working and must see zero errors.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminClient, replyText } from '../../src/backend/admin-client.js';
import { encodeCommand } from '../../src/protocol/resp-encoder.js';
import { useCluster, useStandalone } from '../support/cluster.js';
import { useGateway } from '../support/gateway.js';
import { exchange, RawConnection } from '../support/raw-socket.js';
import { plain } from '../support/resp-plain.js';

interface BadInput {
  name: string;
  input: string | Buffer;
}

/** Inputs on which Slotway must answer byte for byte like redis-server, closing when it closes. */
const SAME_AS_REDIS: BadInput[] = [
  { name: 'unknown command (multibulk)', input: '*3\r\n$7\r\nNOTACMD\r\n$1\r\na\r\n$2\r\nbc\r\n' },
  { name: 'unknown command (inline)', input: 'notacmd a "b c"\r\n' },
  { name: 'unknown command with a long name', input: `${'X'.repeat(300)} arg\r\n` },
  { name: 'unknown subcommand', input: '*2\r\n$6\r\nCLIENT\r\n$7\r\nNOTASUB\r\n' },
  { name: 'wrong arity', input: '*1\r\n$3\r\nGET\r\n' },
  { name: 'non-numeric bulk length', input: '*1\r\n$x\r\n' },
  { name: 'negative bulk length', input: '*1\r\n$-1\r\n' },
  { name: 'bulk length beyond proto-max-bulk-len', input: '*1\r\n$600000000\r\n' },
  { name: 'integer where a bulk should be', input: '*1\r\n:1\r\n' },
  { name: 'nested array in a request', input: '*1\r\n*1\r\n$4\r\nPING\r\n' },
  { name: 'CRLF where a bulk should start', input: '*1\r\n\r\n' },
  { name: 'non-numeric multibulk length', input: '*x\r\n' },
  { name: 'multibulk length with a plus sign', input: '*+1\r\n' },
  { name: 'multibulk length beyond INT_MAX', input: '*99999999999\r\n' },
  { name: 'a bulk string frame as a request (inline)', input: '$3\r\nfoo\r\n' },
  { name: 'simple string and integer frames (inline)', input: '+PING\r\n:1\r\n' },
  { name: 'unbalanced double quotes', input: 'SET "foo bar\r\n' },
  { name: 'unbalanced single quotes', input: "SET 'foo bar\r\n" },
  { name: 'closing quote followed by a letter', input: 'ECHO "a"b\r\n' },
  { name: 'oversized inline request without a newline', input: 'A'.repeat(70 * 1024) },
  { name: 'oversized multibulk count line', input: `*${'1'.repeat(70 * 1024)}` },
  { name: 'oversized bulk length line', input: `*1\r\n$${'1'.repeat(70 * 1024)}` },
  { name: 'valid commands, then garbage', input: '*1\r\n$4\r\nPING\r\nECHO hi\r\n*1\r\n$x\r\n' },
  {
    name: 'a routed command, then garbage',
    input: '*2\r\n$3\r\nGET\r\n$9\r\nbad:nokey\r\n*1\r\n:5\r\n',
  },
  { name: 'empty and null arrays are skipped', input: '*0\r\n*-1\r\n\r\n*1\r\n$4\r\nPING\r\n' },
  { name: 'quoted inline arguments and escapes', input: 'ECHO "a\\x41\\n" \'it\\\'s\'\r\nECHO "x y"\r\n' },
  // A browser tricked into posting to the RESP port: Redis drops the connection without a word.
  { name: 'HTTP request (Host: header)', input: 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n' },
  { name: 'HTTP POST', input: 'POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n' },
];

/** Time to wait for a close that never comes, for inputs the server answers and keeps open. */
const OPEN_WAIT_MS = 400;

describe('bad input', () => {
  const cluster = useCluster({ primaries: 1, replicas: 0 });
  const redis = useStandalone();
  const gateway = useGateway(cluster);

  // Well-behaved clients working through the gateway for as long as the bad input is being sent.
  const workers: Array<Promise<void>> = [];
  const errors: string[] = [];
  let completed = 0;
  let stop = false;

  beforeAll(async () => {
    for (let w = 0; w < 4; w++) {
      const client = await gateway().client();
      workers.push(goodClient(client, w));
    }
  });

  afterAll(async () => {
    stop = true;
    await Promise.allSettled(workers);
  });

  async function goodClient(client: AdminClient, w: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    try {
      for (let i = 0; !stop && i < 100_000 && Date.now() < deadline; i++) {
        const key = `good:${w}:${i % 50}`;
        // Three commands in flight at once, so the shared backend connections are always busy.
        const [set, incr, echo] = await Promise.all([
          client.call('SET', key, `v${i}`),
          client.call('INCR', `good:${w}:n`),
          client.call('ECHO', `e${i}`),
        ]);
        const got = await client.call('GET', key);
        if (replyText(set) !== 'OK' || replyText(got) !== `v${i}` || replyText(echo) !== `e${i}`) {
          errors.push(`worker ${w} round ${i}: unexpected replies`);
        }
        if (plain(incr) !== i + 1)
          errors.push(`worker ${w} round ${i}: INCR gave ${JSON.stringify(plain(incr))}`);
        completed++;
      }
    } catch (err) {
      errors.push(`worker ${w}: ${(err as Error).message}`);
    } finally {
      client.close();
    }
  }

  it.each(SAME_AS_REDIS)('$name: same reply and same close as redis-server', async ({ input }) => {
    const [fromRedis, fromSlotway] = await Promise.all([
      exchange(redis().nodes[0]!.port, input, OPEN_WAIT_MS),
      exchange(gateway().port, input, OPEN_WAIT_MS),
    ]);
    expect({ reply: fromSlotway.reply.toString('latin1'), closed: fromSlotway.closed }).toEqual({
      reply: fromRedis.reply.toString('latin1'),
      closed: fromRedis.closed,
    });
  });

  it('an HTTP request to the RESP port costs other clients nothing, not even writes in flight', async () => {
    const writes = 3000;
    const writer = await RawConnection.connect(gateway().port);
    const browsers = await Promise.all(
      Array.from({ length: 4 }, () => RawConnection.connect(gateway().port)),
    );
    try {
      // The writer's pipeline and the HTTP requests reach the gateway together.
      writer.write(
        Buffer.concat(Array.from({ length: writes }, () => encodeCommand(['INCR', 'http:counter']))),
      );
      for (const b of browsers) b.write('POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n');
      const replies = (await writer.read(writes, 20_000)).map(plain);
      const failed = replies.filter((r) => typeof r !== 'number');
      expect({ failed: failed.length, first: failed[0] }).toEqual({ failed: 0, first: undefined });
      expect(replies.at(-1)).toBe(writes);
    } finally {
      writer.close();
      for (const b of browsers) b.close();
    }
  });

  it('is stricter than Redis on a bulk payload not followed by CRLF', async () => {
    // redis-server skips the two bytes after a payload without looking at them; Slotway refuses the
    // frame, since whatever follows could not be parsed reliably anyway.
    const input = '*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n';
    const fromRedis = await exchange(redis().nodes[0]!.port, input, OPEN_WAIT_MS);
    expect(fromRedis.reply.toString()).toBe('+PONG\r\n+PONG\r\n');
    const fromSlotway = await exchange(gateway().port, input, OPEN_WAIT_MS);
    expect(fromSlotway.reply.toString()).toBe('-ERR Protocol error: expected CRLF after bulk payload\r\n');
    expect(fromSlotway.closed).toBe(true);
  });

  it('survives many bad clients at once and counts the protocol errors', async () => {
    const before = gateway().gateway.stats.protocolErrors;
    const closing = [
      '*1\r\n$x\r\n',
      '*1\r\n:1\r\n',
      '*x\r\n',
      'SET "foo bar\r\n',
      'A'.repeat(70 * 1024),
      '*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n',
    ];
    const results = await Promise.all(
      Array.from({ length: 5 }, () => closing.map((input) => exchange(gateway().port, input, 2000))).flat(),
    );
    for (const r of results) {
      expect(r.closed).toBe(true);
      expect(r.reply.toString()).toMatch(/(^|\n)-ERR Protocol error: [^\r\n]+\r\n$/);
    }
    expect(gateway().gateway.stats.protocolErrors - before).toBe(results.length);
    const c = await gateway().client();
    try {
      expect(replyText(await c.call('PING'))).toBe('PONG');
    } finally {
      c.close();
    }
  });

  it('the well-behaved clients saw zero errors throughout', async () => {
    stop = true;
    await Promise.all(workers);
    expect(errors).toEqual([]);
    expect(completed).toBeGreaterThan(0);
  });
});
