// The cluster admin endpoints: the topology the gateway routes by, as typed JSON documents, and the
// health probes. GETs, so they are retried like reads.

import type { RestTransport } from './rest-transport.js';

export interface ClusterNodeAddress {
  /** The node's cluster id, when known. */
  id: string | null;
  host: string;
  port: number;
  /** `host:port`. */
  address: string;
}

export interface ClusterInfo {
  state: 'ok' | 'fail';
  slotsAssigned: number;
  slotsTotal: number;
  knownNodes: number;
  /** Number of shards (primaries serving slots). */
  size: number;
  /** Where the slot map came from. */
  source: string;
  /** Every CLUSTER INFO field, as text. */
  fields: Record<string, string>;
}

export interface ClusterNode extends ClusterNodeAddress {
  role: 'primary' | 'replica';
  /** Address of the primary, for a replica. */
  primary: string | null;
  /** Slot ranges (first, last inclusive) its shard serves. */
  slots: Array<[number, number]>;
}

export interface ClusterSlotRange {
  start: number;
  end: number;
  primary: ClusterNodeAddress;
  replicas: ClusterNodeAddress[];
}

export class ClusterAdmin {
  constructor(private readonly transport: RestTransport) {}

  /** `GET /cluster/info`: cluster state as the gateway sees it. */
  info(): Promise<ClusterInfo> {
    return this.transport.getJson('/cluster/info') as Promise<ClusterInfo>;
  }

  /** `GET /cluster/nodes`: every node with its role and slots. */
  async nodes(): Promise<ClusterNode[]> {
    return ((await this.transport.getJson('/cluster/nodes')) as { nodes: ClusterNode[] }).nodes;
  }

  /** `GET /cluster/slots`: slot ranges in slot order, with the nodes serving each. */
  async slots(): Promise<ClusterSlotRange[]> {
    return ((await this.transport.getJson('/cluster/slots')) as { slots: ClusterSlotRange[] }).slots;
  }

  /** `GET /healthz`: the process is up. */
  health(): Promise<{ status: 'ok' }> {
    return this.transport.getJson('/healthz') as Promise<{ status: 'ok' }>;
  }

  /** `GET /readyz`: every slot has an owner (rejects with a 503 SlotwayReplyError otherwise). */
  ready(): Promise<{ ready: true; slotsCovered: number; slotsTotal: number }> {
    return this.transport.getJson('/readyz') as Promise<{
      ready: true;
      slotsCovered: number;
      slotsTotal: number;
    }>;
  }
}
