// Merges INFO text from several nodes into one report that reads like a single server's: counters
// and the keyspace line are summed, everything else is taken from the first node.

const SUMMED = new Set([
  'connected_clients',
  'blocked_clients',
  'used_memory',
  'used_memory_rss',
  'total_connections_received',
  'total_commands_processed',
  'instantaneous_ops_per_sec',
  'total_net_input_bytes',
  'total_net_output_bytes',
  'rejected_connections',
  'expired_keys',
  'evicted_keys',
  'keyspace_hits',
  'keyspace_misses',
  'pubsub_channels',
  'pubsub_patterns',
  'total_error_replies',
]);

export function mergeInfo(reports: readonly string[]): string {
  const sections: Array<{ header: string; keys: string[]; values: Map<string, string> }> = [];
  const byHeader = new Map<string, (typeof sections)[number]>();
  reports.forEach((report, nodeIndex) => {
    let current: (typeof sections)[number] | undefined;
    for (const rawLine of report.split('\r\n')) {
      const line = rawLine.trimEnd();
      if (line.startsWith('#')) {
        current = byHeader.get(line);
        if (!current) {
          current = { header: line, keys: [], values: new Map() };
          byHeader.set(line, current);
          sections.push(current);
        }
        continue;
      }
      const colon = line.indexOf(':');
      if (!current || colon === -1) continue;
      const key = line.slice(0, colon);
      const value = line.slice(colon + 1);
      const existing = current.values.get(key);
      if (existing === undefined) {
        current.keys.push(key);
        current.values.set(key, value);
      } else if (nodeIndex > 0) {
        current.values.set(key, combine(key, existing, value));
      }
    }
  });
  return `${sections.map((s) => [s.header, ...s.keys.map((k) => `${k}:${s.values.get(k)}`)].join('\r\n')).join('\r\n\r\n')}\r\n`;
}

function combine(key: string, a: string, b: string): string {
  if (/^db\d+$/.test(key)) {
    // keys=1,expires=0,avg_ttl=0: counts add up; avg_ttl is kept from the first node.
    const pa = parseFields(a);
    const pb = parseFields(b);
    for (const f of ['keys', 'expires']) pa.set(f, String(Number(pa.get(f) ?? 0) + Number(pb.get(f) ?? 0)));
    return [...pa].map(([k, v]) => `${k}=${v}`).join(',');
  }
  if (SUMMED.has(key) && /^\d+$/.test(a) && /^\d+$/.test(b)) return String(Number(a) + Number(b));
  return a;
}

function parseFields(text: string): Map<string, string> {
  return new Map(text.split(',').map((kv) => kv.split('=') as [string, string]));
}
