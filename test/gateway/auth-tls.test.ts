// Authentication and TLS at both ends of Slotway. Clients authenticate against the gateway's own
// password and users (NOAUTH, WRONGPASS, NOPERM for a read-only user, HELLO 2/3 with AUTH and
// SETNAME), while the gateway reaches a password-protected 3x1 cluster with separate backend
// credentials on every kind of connection (shared, dedicated, subscriber). TLS: clients over TLS with
// a certificate the test makes, and the gateway over TLS to a 3x1 cluster serving TLS (bus and
// replication too) and to a redis-server listening on --tls-port.

import net from 'node:net';
import tls from 'node:tls';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../../src/backend/admin-client.js';
import { encodeCommand } from '../../src/protocol/resp-encoder.js';
import { type LocalClusterOptions, useCluster, useStandalone } from '../support/cluster.js';
import { startTestGateway, useGateway } from '../support/gateway.js';
import { clientEntries, eventually } from '../support/node-state.js';
import { RawConnection } from '../support/raw-socket.js';
import { type Plain, plain, record } from '../support/resp-plain.js';
import { makeSelfSignedCert, type SelfSignedCert } from '../support/tls-cert.js';

const GATEWAY_PASSWORD = 'gateway-secret';
const BACKEND_PASSWORD = 'backend-secret';

async function send(c: RawConnection, ...commands: Array<Array<string | number>>): Promise<Plain[]> {
  return sendFor(c, commands.length, ...commands);
}

/** For commands that answer several frames (SUBSCRIBE): sends and reads `frames` frames. */
async function sendFor(c: RawConnection, frames: number, ...commands: Array<Array<string | number>>) {
  c.write(Buffer.concat(commands.map((args) => encodeCommand(args))));
  return (await c.read(frames)).map(plain);
}

/** A free TCP port on loopback (closed again before it is returned). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('gateway users in front of a password-protected 3x1 cluster', () => {
  const cluster = useCluster({ primaries: 3, replicas: 1, password: BACKEND_PASSWORD });
  const gateway = useGateway(cluster, {
    backend: { password: BACKEND_PASSWORD },
    auth: {
      password: GATEWAY_PASSWORD,
      users: [
        { name: 'app', password: 'app-pass', readOnly: false },
        { name: 'reader', password: 'reader-pass', readOnly: true },
      ],
    },
  });

  it('answers NOAUTH before AUTH and WRONGPASS for bad credentials, including the backend password', async () => {
    const c = await RawConnection.connect(gateway().port);
    try {
      expect(await send(c, ['GET', 'k'], ['PING'], ['SUBSCRIBE', 'ch'])).toEqual([
        'NOAUTH Authentication required.',
        'NOAUTH Authentication required.',
        'NOAUTH Authentication required.',
      ]);
      const wrong = 'WRONGPASS invalid username-password pair or user is disabled.';
      expect(await send(c, ['AUTH', 'nope'], ['AUTH', 'app', 'nope'], ['AUTH', 'ghost', 'app-pass'])).toEqual(
        [wrong, wrong, wrong],
      );
      // The backend's credentials are not the gateway's.
      expect(await send(c, ['AUTH', BACKEND_PASSWORD], ['AUTH', 'default', BACKEND_PASSWORD])).toEqual([
        wrong,
        wrong,
      ]);
      expect(await send(c, ['GET', 'k'])).toEqual(['NOAUTH Authentication required.']);
      expect(await send(c, ['AUTH', GATEWAY_PASSWORD], ['SET', 'auth:k', 'v'], ['GET', 'auth:k'])).toEqual([
        'OK',
        'OK',
        'v',
      ]);
      expect(await send(c, ['ACL', 'WHOAMI'])).toEqual(['default']);
      expect(await send(c, ['AUTH', 'app', 'app-pass'], ['ACL', 'WHOAMI'])).toEqual(['OK', 'app']);
      // RESET signs the client out again.
      expect(await send(c, ['RESET'], ['GET', 'auth:k'])).toEqual([
        'RESET',
        'NOAUTH Authentication required.',
      ]);
    } finally {
      c.close();
    }
  });

  it('HELLO 2/3 with AUTH and SETNAME', async () => {
    const c = await RawConnection.connect(gateway().port);
    try {
      expect((await send(c, ['HELLO', '3']))[0]).toMatch(
        /^NOAUTH HELLO must be called with the client already authenticated/,
      );
      expect(await send(c, ['HELLO', '3', 'AUTH', 'app', 'wrong', 'SETNAME', 'nope'])).toEqual([
        'WRONGPASS invalid username-password pair or user is disabled.',
      ]);
      c.write(encodeCommand(['HELLO', '3', 'AUTH', 'app', 'app-pass', 'SETNAME', 'app-conn']));
      const [hello] = await c.read(1);
      expect(hello!.type).toBe('map');
      const fields = record(hello!);
      expect(plain(fields.proto!)).toBe(3);
      expect(plain(fields.server!)).toBe('redis');
      expect(await send(c, ['CLIENT', 'GETNAME'], ['ACL', 'WHOAMI'])).toEqual(['app-conn', 'app']);
      c.write(encodeCommand(['HSET', 'auth:h', 'f', 'v']));
      await c.read(1);
      c.write(encodeCommand(['HGETALL', 'auth:h']));
      expect((await c.readRaw(1))[0]!.toString()).toBe('%1\r\n$1\r\nf\r\n$1\r\nv\r\n');
      // HELLO 2 switches back, keeping the user.
      c.write(encodeCommand(['HELLO', '2']));
      const [hello2] = await c.read(1);
      expect(hello2!.type).toBe('array');
      expect(plain(record(hello2!).proto!)).toBe(2);
      c.write(encodeCommand(['HGETALL', 'auth:h']));
      expect((await c.readRaw(1))[0]!.toString()).toBe('*2\r\n$1\r\nf\r\n$1\r\nv\r\n');
      expect(await send(c, ['ACL', 'WHOAMI'])).toEqual(['app']);
    } finally {
      c.close();
    }
  });

  it('a read-only user reads, and gets NOPERM for writes, also inside MULTI and through scripts', async () => {
    const admin = await AdminClient.connect({
      host: '127.0.0.1',
      port: gateway().port,
      password: GATEWAY_PASSWORD,
    });
    const c = await RawConnection.connect(gateway().port);
    try {
      await admin.call('SET', 'ro:k', 'value');
      expect(
        await send(c, ['AUTH', 'reader', 'reader-pass'], ['GET', 'ro:k'], ['MGET', 'ro:k', 'ro:none']),
      ).toEqual(['OK', 'value', ['value', null]]);
      expect(
        await send(
          c,
          ['SET', 'ro:k', 'changed'],
          ['DEL', 'ro:k'],
          ['EVAL', "return redis.call('SET', KEYS[1], 'changed')", 1, 'ro:k'],
          ['CONFIG', 'SET', 'maxmemory', '1'],
        ),
      ).toEqual([
        "NOPERM this user has no permissions to run the 'set' command",
        "NOPERM this user has no permissions to run the 'del' command",
        "NOPERM this user has no permissions to run the 'eval' command",
        "NOPERM this user has no permissions to run the 'config|set' command",
      ]);
      expect(await send(c, ['MULTI'], ['GET', 'ro:k'], ['SET', 'ro:k', 'changed'], ['EXEC'])).toEqual([
        'OK',
        'QUEUED',
        "NOPERM this user has no permissions to run the 'set' command",
        'EXECABORT Transaction discarded because of previous errors.',
      ]);
      expect(plain(await admin.call('GET', 'ro:k'))).toBe('value');
    } finally {
      c.close();
      admin.close();
    }
  });

  it('reaches the nodes with the backend password on shared, dedicated and subscriber connections', async () => {
    const node = cluster().nodes[0]!;
    // The nodes really require their password.
    const bare = await RawConnection.connect(node.port);
    try {
      expect(await send(bare, ['GET', 'k'])).toEqual(['NOAUTH Authentication required.']);
    } finally {
      bare.close();
    }
    const port = gateway().port;
    const a = await AdminClient.connect({ host: '127.0.0.1', port, password: GATEWAY_PASSWORD });
    const sub = await RawConnection.connect(port);
    const blocked = await RawConnection.connect(port);
    try {
      expect(plain(await a.call('MSET', 'bk:1', 'a', 'bk:2', 'b', 'bk:3', 'c'))).toBe('OK');
      expect(plain(await a.call('MGET', 'bk:1', 'bk:2', 'bk:3'))).toEqual(['a', 'b', 'c']);
      // Subscriber connection.
      expect(await send(sub, ['AUTH', GATEWAY_PASSWORD], ['SUBSCRIBE', 'auth:ch'])).toEqual([
        'OK',
        ['subscribe', 'auth:ch', 1],
      ]);
      await a.call('PUBLISH', 'auth:ch', 'hi');
      expect((await sub.read(1)).map(plain)).toEqual([['message', 'auth:ch', 'hi']]);
      // Dedicated connection for a blocking command, and for WATCH.
      expect(await send(blocked, ['AUTH', 'app', 'app-pass'])).toEqual(['OK']);
      blocked.write(encodeCommand(['BLPOP', 'auth:q', 5]));
      await new Promise((r) => setTimeout(r, 100));
      await a.call('RPUSH', 'auth:q', 'job');
      expect((await blocked.read(1)).map(plain)).toEqual([['auth:q', 'job']]);
      expect(await send(blocked, ['WATCH', 'auth:w'], ['MULTI'], ['INCR', 'auth:w'], ['EXEC'])).toEqual([
        'OK',
        'OK',
        'QUEUED',
        [1],
      ]);
      // RESP3 shared connections authenticate in their HELLO.
      expect(await send(blocked, ['HELLO', '3'], ['GET', 'auth:w'])).toEqual([expect.anything(), '1']);
    } finally {
      a.close();
      sub.close();
      blocked.close();
    }
  });
});

describe('TLS between clients and the gateway, and between the gateway and Redis', () => {
  let cert: SelfSignedCert;
  // A 3x1 cluster serving TLS too (bus and replication over TLS): the certificate is made first.
  const clusterOptions: LocalClusterOptions = { primaries: 3, replicas: 1 };
  beforeAll(() => {
    cert = makeSelfSignedCert();
    clusterOptions.tls = { certFile: cert.certFile, keyFile: cert.keyFile, caFile: cert.certFile };
  });
  afterAll(() => cert?.remove());

  const cluster = useCluster(clusterOptions);

  it('accepts TLS clients (node tls and ioredis) with a self-signed certificate', async () => {
    const gw = await startTestGateway(cluster(), {
      listen: { tls: { enabled: true, certFile: cert.certFile, keyFile: cert.keyFile } },
    });
    try {
      const client = await AdminClient.connect({ host: '127.0.0.1', port: gw.port, tls: { ca: cert.cert } });
      try {
        expect(plain(await client.call('SET', 'tls:k', 'secure'))).toBe('OK');
        expect(plain(await client.call('GET', 'tls:k'))).toBe('secure');
        expect(plain(await client.call('MGET', 'tls:k', 'tls:none'))).toEqual(['secure', null]);
      } finally {
        client.close();
      }

      const redis = new Redis({
        host: '127.0.0.1',
        port: gw.port,
        tls: { ca: cert.cert },
        lazyConnect: true,
        maxRetriesPerRequest: 0,
      });
      try {
        await redis.connect();
        expect(await redis.get('tls:k')).toBe('secure');
        expect(await redis.multi().incr('tls:n').incr('tls:n').exec()).toEqual([
          [null, 1],
          [null, 2],
        ]);
      } finally {
        redis.disconnect();
      }

      // A client that does not trust the certificate is refused by its own TLS check.
      await expect(AdminClient.connect({ host: '127.0.0.1', port: gw.port, tls: {} })).rejects.toThrow(
        /self[- ]signed/i,
      );
      // A plain-text client gets no RESP answer from a TLS port.
      const plainSocket = await RawConnection.connect(gw.port);
      try {
        plainSocket.write(encodeCommand(['PING']));
        await expect(plainSocket.read(1, 1000)).rejects.toThrow();
      } finally {
        plainSocket.close();
      }
    } finally {
      await gw.stop();
    }
  });

  it('serves plain and TLS side by side, and requires client certificates when given a CA', async () => {
    const tlsPort = await freePort();
    const gw = await startTestGateway(cluster(), {
      listen: {
        tls: {
          enabled: true,
          certFile: cert.certFile,
          keyFile: cert.keyFile,
          caFile: cert.certFile,
          port: tlsPort,
        },
      },
    });
    try {
      expect(gw.gateway.tlsPort).toBe(tlsPort);
      const plainClient = await AdminClient.connect({ host: '127.0.0.1', port: gw.port });
      const mutual = await AdminClient.connect({
        host: '127.0.0.1',
        port: tlsPort,
        tls: { ca: cert.cert, cert: cert.cert, key: cert.key },
      });
      try {
        await plainClient.call('SET', 'side:k', 'by-side');
        expect(plain(await mutual.call('GET', 'side:k'))).toBe('by-side');
      } finally {
        plainClient.close();
        mutual.close();
      }
      // Without a client certificate the handshake (or the first read) fails.
      const refused = await new Promise<string>((resolve) => {
        const socket = tls.connect({ host: '127.0.0.1', port: tlsPort, ca: cert.cert }, () => {
          socket.write(encodeCommand(['PING']));
        });
        socket.on('data', (d) => resolve(`data ${d.toString()}`));
        socket.on('error', (e) => resolve(`error ${e.message}`));
        socket.on('close', () => resolve('closed'));
        setTimeout(() => {
          socket.destroy();
          resolve('timeout');
        }, 3000);
      });
      expect(refused).toMatch(/^(error|closed)/);
    } finally {
      await gw.stop();
    }
  });

  it('reaches a TLS cluster over its TLS ports on every kind of connection, replicas included', async () => {
    const nodes = cluster().nodes;
    const gw = await startTestGateway(cluster(), {
      backend: {
        nodes: nodes.filter((n) => n.role === 'primary').map((n) => `127.0.0.1:${n.tlsPort}`),
        tls: { enabled: true, caFile: cert.certFile, rejectUnauthorized: true },
        readFrom: 'replica',
      },
    });
    const c = await RawConnection.connect(gw.port);
    const sub = await RawConnection.connect(gw.port);
    const blocked = await RawConnection.connect(gw.port);
    const admins = await Promise.all(nodes.map((n) => cluster().client(n.port)));
    try {
      // Discovery found the TLS ports (CLUSTER SHARDS lists the plain port first).
      const slotMap = gw.gateway.router.map;
      const tlsPorts = new Set(nodes.map((n) => n.tlsPort));
      for (const node of slotMap.allNodes()) expect(tlsPorts.has(node.port)).toBe(true);
      expect(slotMap.allNodes()).toHaveLength(6);

      const keys = Array.from({ length: 12 }, (_, i) => `tlsc:${i}`);
      expect(await send(c, ['MSET', ...keys.flatMap((k, i) => [k, String(i)])], ['WAIT', 1, 2000])).toEqual([
        'OK',
        1,
      ]);
      expect(await send(c, ['MGET', ...keys])).toEqual([keys.map((_, i) => String(i))]);
      expect(await send(c, ['WATCH', '{tc}w'], ['MULTI'], ['INCR', '{tc}w'], ['EXEC'])).toEqual([
        'OK',
        'OK',
        'QUEUED',
        [1],
      ]);
      expect(await sendFor(sub, 2, ['SUBSCRIBE', 'tlsc:ch'], ['SSUBSCRIBE', 'tlsc:sh'])).toEqual([
        ['subscribe', 'tlsc:ch', 1],
        ['ssubscribe', 'tlsc:sh', 1],
      ]);
      blocked.write(encodeCommand(['BLPOP', 'tlsc:q', 10]));
      await eventually(
        'the BLPOP to block on a node',
        async () => (await Promise.all(admins.map(clientEntries))).flat(),
        (list) => list.some((e) => e.cmd === 'blpop'),
      );
      // Every gateway connection on every node came in through its TLS port; replication links too
      // (a replica's own link to its primary, flag M, is outgoing: its laddr is not a listening port).
      for (const [i, admin] of admins.entries()) {
        for (const entry of await clientEntries(admin)) {
          if (entry.flags?.includes('M')) continue;
          expect(`${entry.cmd} ${entry.laddr}`).toBe(`${entry.cmd} 127.0.0.1:${nodes[i]!.tlsPort}`);
        }
      }
      expect(
        await send(c, ['RPUSH', 'tlsc:q', 'job'], ['PUBLISH', 'tlsc:ch', 'm'], ['SPUBLISH', 'tlsc:sh', 's']),
      ).toEqual([1, expect.any(Number), 1]);
      expect((await blocked.read(1)).map(plain)).toEqual([['tlsc:q', 'job']]);
      // Two subscriber connections (classic, sharded): either message may come first.
      const messages = (await sub.read(2)).map(plain);
      expect(messages).toHaveLength(2);
      expect(messages).toEqual(
        expect.arrayContaining([
          ['message', 'tlsc:ch', 'm'],
          ['smessage', 'tlsc:sh', 's'],
        ]),
      );
    } finally {
      for (const x of [c, sub, blocked]) x.close();
      for (const a of admins) a.close();
      await gw.stop();
    }
  });

  describe('to a redis-server on --tls-port', () => {
    let tlsPort = 0;
    // The plain port stays for the harness's readiness check; the gateway uses the TLS one.
    const server = useStandalone();
    beforeAll(async () => {
      tlsPort = await freePort();
      const admin = await server().client(server().nodes[0]!.port);
      try {
        // TLS settings are applied at run time (CONFIG SET) since the port is picked here.
        await admin.call('CONFIG', 'SET', 'tls-cert-file', cert.certFile, 'tls-key-file', cert.keyFile);
        await admin.call('CONFIG', 'SET', 'tls-ca-cert-file', cert.certFile, 'tls-auth-clients', 'no');
        await admin.call('CONFIG', 'SET', 'tls-port', String(tlsPort));
      } finally {
        admin.close();
      }
    });

    it('routes every kind of connection over TLS to the backend', async () => {
      const gw = await startTestGateway(server(), {
        backend: {
          mode: 'standalone',
          url: `rediss://127.0.0.1:${tlsPort}`,
          tls: { enabled: true, caFile: cert.certFile, rejectUnauthorized: true },
        },
      });
      const c = await RawConnection.connect(gw.port);
      const sub = await RawConnection.connect(gw.port);
      const admin = await server().client(server().nodes[0]!.port);
      try {
        expect(await send(c, ['SET', 'tb:k', 'v'], ['GET', 'tb:k'], ['MGET', 'tb:k', 'tb:x'])).toEqual([
          'OK',
          'v',
          ['v', null],
        ]);
        expect(await send(sub, ['SUBSCRIBE', 'tb:ch'])).toEqual([['subscribe', 'tb:ch', 1]]);
        c.write(encodeCommand(['BLPOP', 'tb:q', 5]));
        // Every gateway connection on the server arrived through the TLS port.
        const entries = await eventually(
          'the BLPOP to reach the server',
          () => clientEntries(admin),
          (list) => list.some((e) => e.cmd === 'blpop'),
        );
        const gatewayConnections = entries.filter((e) => e.laddr === `127.0.0.1:${tlsPort}`);
        expect(gatewayConnections.length).toBeGreaterThanOrEqual(3);
        expect(entries.filter((e) => e.laddr !== `127.0.0.1:${tlsPort}`)).toEqual([]);
        expect(gatewayConnections.some((e) => e.cmd === 'blpop')).toBe(true);
        expect(gatewayConnections.some((e) => e.cmd === 'subscribe')).toBe(true);

        await admin.call('RPUSH', 'tb:q', 'job');
        expect((await c.read(1)).map(plain)).toEqual([['tb:q', 'job']]);
        await admin.call('PUBLISH', 'tb:ch', 'over-tls');
        expect((await sub.read(1)).map(plain)).toEqual([['message', 'tb:ch', 'over-tls']]);
      } finally {
        c.close();
        sub.close();
        admin.close();
        await gw.stop();
      }
    });

    it('refuses a backend whose certificate it does not trust', async () => {
      await expect(
        startTestGateway(server(), {
          backend: {
            mode: 'standalone',
            url: `rediss://127.0.0.1:${tlsPort}`,
            tls: { enabled: true, rejectUnauthorized: true },
          },
        }),
      ).rejects.toThrow(/self[- ]signed|certificate/i);
    });
  });
});
