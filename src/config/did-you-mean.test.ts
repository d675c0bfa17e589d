import { describe, expect, it } from 'vitest';
import { closestName } from './did-you-mean.js';

describe('closestName', () => {
  const keys = ['connectionsPerNode', 'connectTimeoutMs', 'url', 'nodes', 'readFrom'];

  it.each([
    ['connections_per_node', 'connectionsPerNode'],
    ['conectionsPerNode', 'connectionsPerNode'],
    ['read-from', 'readFrom'],
    ['node', 'nodes'],
    ['URL', 'url'],
  ])('%s → %s', (input, expected) => {
    expect(closestName(input, keys)).toBe(expected);
  });

  it('suggests nothing for names far from every candidate', () => {
    expect(closestName('metrics', keys)).toBeUndefined();
    expect(closestName('ab', keys)).toBeUndefined();
  });
});
