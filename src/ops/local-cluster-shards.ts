// Reads CLUSTER SHARDS (Redis 7+, Valkey) as plain records, so the harness can wait until every
// node reports every shard member `online` — the view a gateway's discovery will get.

import { type AdminClient, RedisReplyError } from '../backend/admin-client.js';
import type { RespValue } from '../protocol/resp-value.js';
import type { SlotRange } from './local-cluster-layout.js';

export interface ShardMemberView {
  id: string;
  port: number;
  role: string;
  health: string;
  replicationOffset: number;
}

export interface ShardView {
  slots: SlotRange[];
  nodes: ShardMemberView[];
}

/** CLUSTER SHARDS of one node, or null when the server predates the command. */
export async function readShards(client: AdminClient): Promise<ShardView[] | null> {
  let reply: RespValue;
  try {
    reply = await client.call('CLUSTER', 'SHARDS');
  } catch (err) {
    if (err instanceof RedisReplyError && /unknown subcommand/i.test(err.message)) return null;
    throw err;
  }
  return listOf(reply).map((shard) => {
    const fields = fieldsOf(shard);
    const bounds = listOf(fields.get('slots')).map(numberOf);
    const slots: SlotRange[] = [];
    for (let i = 0; i + 1 < bounds.length; i += 2) slots.push([bounds[i]!, bounds[i + 1]!]);
    const nodes = listOf(fields.get('nodes')).map((member) => {
      const m = fieldsOf(member);
      return {
        id: textOf(m.get('id')),
        port: numberOf(m.get('port') ?? m.get('tls-port')),
        role: textOf(m.get('role')),
        health: textOf(m.get('health')),
        replicationOffset: numberOf(m.get('replication-offset')),
      };
    });
    return { slots, nodes };
  });
}

function listOf(v: RespValue | undefined): RespValue[] {
  if (v && (v.type === 'array' || v.type === 'set')) return v.value;
  return [];
}

/** RESP2 flat `[k, v, k, v]` arrays and RESP3 maps, as one lookup. */
function fieldsOf(v: RespValue): Map<string, RespValue> {
  const fields = new Map<string, RespValue>();
  if (v.type === 'map') {
    for (const [k, val] of v.value) fields.set(textOf(k), val);
  } else if (v.type === 'array') {
    for (let i = 0; i + 1 < v.value.length; i += 2) fields.set(textOf(v.value[i]), v.value[i + 1]!);
  }
  return fields;
}

function textOf(v: RespValue | undefined): string {
  if (!v) return '';
  if (v.type === 'bulk' || v.type === 'verbatim') return v.value.toString('utf8');
  if (v.type === 'simple') return v.value;
  if (v.type === 'integer') return String(v.value);
  return '';
}

function numberOf(v: RespValue | undefined): number {
  if (v?.type === 'integer') return Number(v.value);
  return Number(textOf(v));
}
