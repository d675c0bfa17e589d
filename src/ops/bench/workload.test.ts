import { describe, expect, it } from 'vitest';
import { slotOf } from '../../topology/slot-hash.js';
import { SCENARIOS, selectScenarios, UnknownScenarioError } from './scenarios.js';
import { buildRequests, commandsPerRequest } from './workload.js';

/** Three nodes owning thirds of the slot space, like a default local cluster. */
const route = (slot: number) => Math.floor((slot * 3) / 16384);

const scenario = (id: string) => SCENARIOS.find((s) => s.id === id)!;

describe('buildRequests', () => {
  it('sends GET and SET 4:1 to the node owning each key', () => {
    const requests = buildRequests(scenario('a').workload, route, 1, 5000);
    let sets = 0;
    for (const { parts } of requests) {
      expect(parts).toHaveLength(1);
      const text = parts[0]!.bytes.toString('latin1');
      const key = /\$\d+\r\n(bench:s:\d+)\r\n/.exec(text)![1]!;
      expect(parts[0]!.node).toBe(route(slotOf(key)));
      if (text.includes('SET')) sets++;
    }
    expect(sets / requests.length).toBeGreaterThan(0.15);
    expect(sets / requests.length).toBeLessThan(0.25);
  });

  it('makes one MGET through an endpoint and the same GETs split per node direct', () => {
    const spec = scenario('c').workload;
    const single = buildRequests(spec, null, 7, 10);
    const direct = buildRequests(spec, route, 7, 10);
    for (let i = 0; i < 10; i++) {
      const mget = single[i]!.parts[0]!;
      expect(single[i]!.parts).toHaveLength(1);
      expect(mget.replies).toBe(1);
      const keys = mget.bytes.toString('latin1').match(/bench:s:\d+/g)!;
      expect(keys).toHaveLength(10);
      const parts = direct[i]!.parts;
      expect(parts.reduce((n, p) => n + p.replies, 0)).toBe(10);
      for (const part of parts) {
        for (const key of part.bytes.toString('latin1').match(/bench:s:\d+/g)!) {
          expect(keys).toContain(key);
          expect(route(slotOf(key))).toBe(part.node);
        }
      }
    }
    expect(commandsPerRequest(spec, true)).toBe(10);
    expect(commandsPerRequest(spec, false)).toBe(1);
  });

  it('builds seed 002 requests as INCRBY + EXPIRE per descriptor key, with the fixed key in each', () => {
    const spec = scenario('d-mixed_10keys').workload;
    const [request] = buildRequests(spec, null, 3, 1);
    const text = request!.parts[0]!.bytes.toString('latin1');
    expect(text.match(/INCRBY/g)).toHaveLength(10);
    expect(text.match(/EXPIRE/g)).toHaveLength(10);
    expect(text).toContain('bench:rl:fixed:0');
    expect(request!.parts[0]!.replies).toBe(20);
    expect(commandsPerRequest(spec, false)).toBe(20);
  });
});

describe('selectScenarios', () => {
  it('selects by group and id, in catalogue order', () => {
    expect(selectScenarios('c,a').map((s) => s.id)).toEqual(['a', 'c']);
    expect(selectScenarios('d').map((s) => s.id)).toEqual([
      'd-fixed_key',
      'd-variable_key',
      'd-mixed_2keys',
      'd-mixed_10keys',
    ]);
    expect(selectScenarios('fixed_key').map((s) => s.id)).toEqual(['d-fixed_key']);
    expect(selectScenarios(undefined)).toHaveLength(SCENARIOS.length);
  });

  it('names the known scenarios when one is unknown', () => {
    expect(() => selectScenarios('a,z')).toThrow(UnknownScenarioError);
    expect(() => selectScenarios('z')).toThrow(/known: a, b, c/);
  });
});
