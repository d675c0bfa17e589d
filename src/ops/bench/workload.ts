// Turns a scenario's WorkloadSpec into a ring of ready-to-write requests, built once before the
// clock starts so the load generator does no encoding while it measures. Towards one endpoint a
// request is one buffer; towards a cluster it is split per node by the slot of each key, exactly as
// a cluster-aware client would do it.

import { encodeCommand } from '../../protocol/resp-encoder.js';
import { slotOf } from '../../topology/slot-hash.js';
import type { WorkloadSpec } from './scenarios.js';

/** The commands of one request that go to one node. */
export interface RequestPart {
  /** Index into the generator's endpoint list (0 for a single endpoint). */
  node: number;
  bytes: Buffer;
  /** Replies this part produces. */
  replies: number;
}

export interface PreparedRequest {
  parts: RequestPart[];
}

/** Maps a slot to a node index; absent when every request goes to one endpoint. */
export type SlotRoute = (slot: number) => number;

/** Requests per ring; enough that the key sequence does not visibly repeat. */
const RING_SIZE = 65_536;
/** Memory a ring may take (large values make fewer, bigger requests). */
const RING_BYTES = 48 * 1024 * 1024;

/** A deterministic xorshift32 generator, so each generator process draws its own key sequence. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = (seed * 2654435761) >>> 0 || 0x9e3779b9;
  }
  /** An integer in [0, n). */
  below(n: number): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state % n;
  }
}

/** Approximate bytes of one request, to size the ring. */
function requestBytes(spec: WorkloadSpec): number {
  switch (spec.kind) {
    case 'get-set':
      return 40 + (spec.valueBytes + 20) / (spec.getsPerSet + 1);
    case 'mget':
      return 40 * spec.keysPerRequest;
    case 'rate-limit':
      return 90 * (spec.fixedKeys + spec.variableKeys);
  }
}

export function ringSize(spec: WorkloadSpec): number {
  return Math.max(1024, Math.min(RING_SIZE, Math.floor(RING_BYTES / requestBytes(spec))));
}

/** One command of a request, with the key it is routed by. */
interface Command {
  key: string;
  frame: Buffer;
}

/** Builds `count` requests (default: ringSize) for `spec`; `route` splits them per cluster node. */
export function buildRequests(
  spec: WorkloadSpec,
  route: SlotRoute | null,
  seed: number,
  count = ringSize(spec),
): PreparedRequest[] {
  const random = new Random(seed);
  const requests: PreparedRequest[] = new Array(count);
  const value = spec.kind === 'get-set' ? Buffer.alloc(spec.valueBytes, 0x78) : null;
  for (let i = 0; i < count; i++) {
    switch (spec.kind) {
      case 'get-set': {
        const key = `${spec.keyPrefix}${random.below(spec.keys)}`;
        const isSet = random.below(spec.getsPerSet + 1) === 0;
        const frame = isSet ? encodeCommand(['SET', key, value!]) : encodeCommand(['GET', key]);
        requests[i] = { parts: [{ node: route ? route(slotOf(key)) : 0, bytes: frame, replies: 1 }] };
        break;
      }
      case 'mget': {
        const keys = distinctKeys(random, spec.keyPrefix, spec.keys, spec.keysPerRequest);
        requests[i] = route
          ? splitPerNode(
              keys.map((key) => ({ key, frame: encodeCommand(['GET', key]) })),
              route,
            )
          : { parts: [{ node: 0, bytes: encodeCommand(['MGET', ...keys]), replies: 1 }] };
        break;
      }
      case 'rate-limit': {
        const keys: string[] = [];
        for (let f = 0; f < spec.fixedKeys; f++) keys.push(`${spec.keyPrefix}fixed:${f}`);
        for (const key of distinctKeys(random, `${spec.keyPrefix}var:`, spec.keySpace, spec.variableKeys))
          keys.push(key);
        const commands: Command[] = [];
        for (const key of keys) {
          commands.push({ key, frame: encodeCommand(['INCRBY', key, '1']) });
          commands.push({ key, frame: encodeCommand(['EXPIRE', key, String(spec.expireSeconds)]) });
        }
        requests[i] = route
          ? splitPerNode(commands, route)
          : {
              parts: [
                { node: 0, bytes: Buffer.concat(commands.map((c) => c.frame)), replies: commands.length },
              ],
            };
        break;
      }
    }
  }
  return requests;
}

function distinctKeys(random: Random, prefix: string, space: number, n: number): string[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(n, space)) picked.add(random.below(space));
  return [...picked].map((k) => `${prefix}${k}`);
}

/** Groups commands per node, keeping their order within a node (one write per node). */
function splitPerNode(commands: Command[], route: SlotRoute): PreparedRequest {
  const byNode = new Map<number, Buffer[]>();
  for (const { key, frame } of commands) {
    const node = route(slotOf(key));
    const frames = byNode.get(node);
    if (frames) frames.push(frame);
    else byNode.set(node, [frame]);
  }
  const parts: RequestPart[] = [];
  for (const [node, frames] of byNode)
    parts.push({ node, bytes: Buffer.concat(frames), replies: frames.length });
  return { parts };
}

/** Commands in one request (for commands/s next to requests/s). */
export function commandsPerRequest(spec: WorkloadSpec, direct: boolean): number {
  switch (spec.kind) {
    case 'get-set':
      return 1;
    case 'mget':
      return direct ? spec.keysPerRequest : 1;
    case 'rate-limit':
      return 2 * (spec.fixedKeys + spec.variableKeys);
  }
}
