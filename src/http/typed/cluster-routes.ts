// /cluster/info, /cluster/nodes, /cluster/slots: the topology the gateway routes by, as JSON (the
// DBX cluster endpoints), plus /healthz and /readyz for load balancers in front of the HTTP port.

import { z } from 'zod';
import { SLOT_COUNT } from '../../topology/slot-hash.js';
import type { NodeAddress } from '../../topology/slot-map.js';
import { HttpError } from '../http-errors.js';
import { defineRoute, type TypedRoute } from './typed-route.js';

const tag = 'cluster';
const node = z.object({
  id: z.string().nullable(),
  host: z.string(),
  port: z.number().int(),
  address: z.string(),
});
const range = z.tuple([z.number().int(), z.number().int()]).describe('First and last slot, inclusive.');

function nodeJson(n: NodeAddress) {
  return { id: n.id ?? null, host: n.host, port: n.port, address: n.key };
}

function loadedMap(gateway: Parameters<TypedRoute['handle']>[0]['gateway']) {
  if (!gateway.topology.loaded) {
    throw new HttpError(503, 'UNAVAILABLE', 'CLUSTERDOWN the topology is not loaded yet; retry shortly');
  }
  return gateway.topology.map;
}

export const clusterRoutes: TypedRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/cluster/info',
    tag,
    operationId: 'clusterInfo',
    summary: 'Cluster state as the gateway sees it (CLUSTER INFO fields, parsed).',
    encoded: false,
    response: z.object({
      state: z.enum(['ok', 'fail']),
      slotsAssigned: z.number().int(),
      slotsTotal: z.number().int(),
      knownNodes: z.number().int(),
      size: z.number().int().describe('Number of shards (primaries serving slots).'),
      source: z.string().describe('Where the slot map came from.'),
      fields: z.record(z.string(), z.string()).describe('Every CLUSTER INFO field, as text.'),
    }),
    errors: { 503: 'the topology is not loaded yet' },
    async handle({ gateway }) {
      const map = loadedMap(gateway);
      const fields: Record<string, string> = {};
      for (const line of gateway.clusterInfoText().split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
      }
      const covered = map.coveredSlots();
      return {
        state: covered === SLOT_COUNT ? ('ok' as const) : ('fail' as const),
        slotsAssigned: covered,
        slotsTotal: SLOT_COUNT,
        knownNodes: map.allNodes().length,
        size: map.shards.length,
        source: map.source,
        fields,
      };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/cluster/nodes',
    tag,
    operationId: 'clusterNodes',
    summary: 'Every node with its role and the slots its shard serves.',
    encoded: false,
    response: z.object({
      nodes: z.array(
        node.extend({
          role: z.enum(['primary', 'replica']),
          primary: z.string().nullable().describe('Address of the primary, for a replica.'),
          slots: z.array(range),
        }),
      ),
    }),
    async handle({ gateway }) {
      const map = loadedMap(gateway);
      const ranges = map.rangesByShard();
      const nodes = map.shards.flatMap((shard, i) => [
        { ...nodeJson(shard.primary), role: 'primary' as const, primary: null, slots: ranges[i] ?? [] },
        ...shard.replicas.map((r) => ({
          ...nodeJson(r),
          role: 'replica' as const,
          primary: shard.primary.key,
          slots: ranges[i] ?? [],
        })),
      ]);
      return { nodes };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/cluster/slots',
    tag,
    operationId: 'clusterSlots',
    summary: 'Slot ranges and the nodes serving each, in slot order (like CLUSTER SLOTS).',
    encoded: false,
    response: z.object({
      slots: z.array(
        z.object({ start: z.number().int(), end: z.number().int(), primary: node, replicas: z.array(node) }),
      ),
    }),
    async handle({ gateway }) {
      const map = loadedMap(gateway);
      const ranges = map.rangesByShard();
      const slots = map.shards
        .flatMap((shard, i) =>
          (ranges[i] ?? []).map(([start, end]) => ({
            start,
            end,
            primary: nodeJson(shard.primary),
            replicas: shard.replicas.map(nodeJson),
          })),
        )
        .sort((a, b) => a.start - b.start);
      return { slots };
    },
  }),
];

/** Health routes, served without a token like the admin port's. */
export const healthRoutes: TypedRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/healthz',
    tag: 'health',
    operationId: 'health',
    summary: 'The process is up.',
    encoded: false,
    response: z.object({ status: z.literal('ok') }),
    async handle() {
      return { status: 'ok' as const };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/readyz',
    tag: 'health',
    operationId: 'ready',
    summary: 'Ready when the topology is loaded and all 16384 slots have an owner (503 otherwise).',
    encoded: false,
    response: z.object({
      ready: z.literal(true),
      slotsCovered: z.number().int(),
      slotsTotal: z.number().int(),
    }),
    errors: { 503: 'not every slot has an owner yet' },
    async handle({ gateway }) {
      const covered = gateway.topology.loaded ? gateway.topology.map.coveredSlots() : 0;
      if (covered !== SLOT_COUNT) {
        throw new HttpError(503, 'UNAVAILABLE', `CLUSTERDOWN ${covered} of ${SLOT_COUNT} slots are covered`);
      }
      return { ready: true as const, slotsCovered: covered, slotsTotal: SLOT_COUNT };
    },
  }),
];
