// What a backend node reports about itself, for tests that check the gateway's effect on the nodes:
// CLIENT LIST entries (without the asking connection), INFO fields, and bounded polling until a
// node reaches an expected state.

import type { AdminClient } from '../../src/backend/admin-client.js';
import { replyText } from '../../src/backend/admin-client.js';

/** One CLIENT LIST line as fields (id, addr, flags, cmd, name, sub, ssub, resp, ...). */
export type ClientEntry = Record<string, string>;

/** The node's clients other than `admin` itself. */
export async function clientEntries(admin: AdminClient): Promise<ClientEntry[]> {
  const self = await admin.call('CLIENT', 'ID');
  const selfId = self.type === 'integer' ? String(self.value) : '';
  return replyText(await admin.call('CLIENT', 'LIST'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(parseClientLine)
    .filter((entry) => entry.id !== selfId);
}

function parseClientLine(line: string): ClientEntry {
  const entry: ClientEntry = {};
  for (const field of line.trim().split(' ')) {
    const eq = field.indexOf('=');
    if (eq > 0) entry[field.slice(0, eq)] = field.slice(eq + 1);
  }
  return entry;
}

/** `field:value` lines of one INFO section. */
export async function infoFields(admin: AdminClient, section: string): Promise<Map<string, string>> {
  const fields = new Map<string, string>();
  for (const line of replyText(await admin.call('INFO', section)).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** `calls` of one command in INFO commandstats (0 when it never ran). */
export async function commandCalls(admin: AdminClient, command: string): Promise<number> {
  const stat = (await infoFields(admin, 'commandstats')).get(`cmdstat_${command}`);
  return Number(/calls=(\d+)/.exec(stat ?? '')?.[1] ?? 0);
}

/**
 * Calls `probe` every `intervalMs` until `accept` holds for its result, and returns that result;
 * throws after `timeoutMs` with the last result in the message.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = 'not probed yet';
  for (;;) {
    try {
      const value = await probe();
      if (accept(value)) return value;
      last = value;
    } catch (err) {
      last = err instanceof Error ? err.message : err;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
