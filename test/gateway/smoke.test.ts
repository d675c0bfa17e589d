import { describe, expect, it } from 'vitest';
import { replyText } from '../../src/backend/admin-client.js';
import { useCluster } from '../support/cluster.js';
import { useGateway } from '../support/gateway.js';

describe('gateway smoke', () => {
  const cluster = useCluster({ primaries: 3, replicas: 0 });
  const gateway = useGateway(cluster);

  it('routes SET/GET and merges a cross-slot MGET', async () => {
    const c = await gateway().client();
    try {
      expect(replyText(await c.call('SET', 'foo', 'bar'))).toBe('OK');
      await c.call('MSET', 'a', '1', 'b', '2', 'c', '3');
      const reply = await c.call('MGET', 'a', 'b', 'nope', 'c', 'foo');
      expect(reply.type).toBe('array');
      const values =
        reply.type === 'array' ? reply.value.map((v) => (v.type === 'bulk' ? v.value.toString() : null)) : [];
      expect(values).toEqual(['1', '2', null, '3', 'bar']);
    } finally {
      c.close();
    }
  });
});
